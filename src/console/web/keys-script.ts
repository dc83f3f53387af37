/** The keys a virtual caller presses: "1234#@3 9@7.5" → 1234# at 3 s, 9 at 7.5 s. */
export function parseKeysScript(text: string): Array<{ keys: string; atMs: number }> {
  const steps: Array<{ keys: string; atMs: number }> = [];
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const match = /^([0-9*#A-D]+)@(\d+(?:\.\d+)?)$/.exec(word);
    if (!match) throw new Error(`"${word}" is not keys@seconds (for example 1234#@3)`);
    steps.push({ keys: match[1] as string, atMs: Math.round(Number(match[2]) * 1000) });
  }
  return steps;
}
