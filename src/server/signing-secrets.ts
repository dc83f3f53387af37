import type { AccountRepo } from "../store/types.js";

/** How long a signing secret read from the store is reused (ms). */
export const SIGNING_SECRET_TTL_MS = 5_000;
const MAX_ACCOUNTS = 1_000;

/**
 * The account's signing secrets for webhook signatures, read from the store at most once per
 * TTL per account: every webhook needs them, and reading the account row three times per call
 * was a measurable share of a virtual call's CPU. Secrets only change when a Belay process starts
 * with another `--signing-secret` (possibly another node on a shared store), so a change is
 * picked up within the TTL. An unknown account is not cached.
 */
export function cachedSigningSecrets(
  accounts: Pick<AccountRepo, "get">,
  now: () => number,
  ttlMs = SIGNING_SECRET_TTL_MS,
): (accountId: string) => Promise<readonly string[]> {
  const cache = new Map<string, { secrets: readonly string[]; until: number }>();
  return async (accountId) => {
    const hit = cache.get(accountId);
    if (hit && hit.until > now()) return hit.secrets;
    const row = await accounts.get(accountId);
    if (!row) {
      cache.delete(accountId);
      return [];
    }
    const secrets = [row.signingSecret];
    // Map order is insertion order: re-inserting keeps the oldest entry first, to be dropped.
    cache.delete(accountId);
    if (cache.size >= MAX_ACCOUNTS) cache.delete(cache.keys().next().value as string);
    cache.set(accountId, { secrets, until: now() + ttlMs });
    return secrets;
  };
}
