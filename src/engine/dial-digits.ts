/**
 * MakeCallRequest `sendDigits`: keys `0-9`, `*`, `#`, each followed by a 500 ms pause (OpenAPI),
 * and `{n}` to pause n ms instead. Belay decides that `{n}` replaces the default pause after the
 * key before it rather than adding to it (several in a row add up), and that n is in milliseconds.
 */
export const DIAL_DIGITS_PATTERN = /^(?:[0-9*#]|\{[1-9]\d{0,4}\})+$/;
export const DIAL_DIGITS_DEFAULT_PAUSE_MS = 500;

/** One leg.sendDigits() call (keys with one pause after each), or a wait before any key. */
export type DialDigitsStep = { digits: string; pauseMs: number } | { waitMs: number };

/** The steps of a string DIAL_DIGITS_PATTERN accepts; [] for anything else. */
export function dialDigitsSteps(text: string): DialDigitsStep[] {
  if (!DIAL_DIGITS_PATTERN.test(text)) return [];
  const tokens = text.match(/[0-9*#]|\{\d+\}/g) ?? [];
  const keys: Array<{ key: string; pauseMs: number; explicit: boolean }> = [];
  let leadingWaitMs = 0;
  for (const token of tokens) {
    const pause = /^\{(\d+)\}$/.exec(token);
    const last = keys.at(-1);
    if (!pause) keys.push({ key: token, pauseMs: DIAL_DIGITS_DEFAULT_PAUSE_MS, explicit: false });
    else if (!last) leadingWaitMs += Number(pause[1]);
    else {
      // Pauses in a row add up.
      last.pauseMs = (last.explicit ? last.pauseMs : 0) + Number(pause[1]);
      last.explicit = true;
    }
  }
  const steps: DialDigitsStep[] = leadingWaitMs > 0 ? [{ waitMs: leadingWaitMs }] : [];
  for (const { key, pauseMs } of keys) {
    const last = steps.at(-1);
    if (last && "digits" in last && last.pauseMs === pauseMs) last.digits += key;
    else steps.push({ digits: key, pauseMs });
  }
  return steps;
}
