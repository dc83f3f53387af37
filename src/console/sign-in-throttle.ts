/** Failed sign-ins allowed from one address per window before it must wait. */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;
/** Addresses tracked at most: a flood of sources cannot grow memory without end. */
const MAX_ADDRESSES = 10_000;

/**
 * Slows API-key guessing through the console: after MAX_FAILURES failed sign-ins from one
 * address within WINDOW_MS, that address is refused (429) until the oldest failure leaves the
 * window, right key or not. A successful sign-in clears the address's count.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds this address must wait before trying again, or undefined when it may try now. */
  waitSec(address: string): number | undefined {
    const recent = this.recent(address);
    if (recent.length < MAX_FAILURES) return undefined;
    return Math.max(1, Math.ceil(((recent[0] as number) + WINDOW_MS - this.now()) / 1000));
  }

  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, recent);
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = this.now() - WINDOW_MS;
    return (this.failures.get(address) ?? []).filter((at) => at > since);
  }
}
