/** Runs `fn(0)` … `fn(count - 1)` in order of start, at most `limit` at once. */
export async function timesLimited(
  count: number,
  limit: number,
  fn: (n: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** Runs `fn` over `items` with at most `limit` at once. */
export function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  return timesLimited(items.length, limit, (n) => fn(items[n] as T));
}
