/**
 * When the outbox tries a notification again: 1 s, 2 s, 4 s … doubling up to 10 minutes, plus up
 * to 10 % jitter so many calls failing together do not retry in lockstep.
 */
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 10 * 60_000;
export const JITTER_FRACTION = 0.1;

/**
 * Delay before the next attempt after `failedAttempts` failures (1 for the first failure).
 * `random` returns [0, 1); pass `() => 0` for no jitter.
 */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^10 s already passes the cap; stopping the exponent there avoids Infinity for huge counts.
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.min(exponent, 20), MAX_RETRY_MS);
  return Math.round(base * (1 + JITTER_FRACTION * random()));
}
