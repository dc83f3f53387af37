/** The lines of an NDJSON response as they arrive (blank lines skipped). */
export async function* ndjsonLines(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) yield line;
      newline = pending.indexOf("\n");
    }
  }
  if (pending.trim()) yield pending;
}
