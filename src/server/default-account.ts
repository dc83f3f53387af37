import { isId, newApiKey, newId, newSigningSecret } from "../contract/ids.js";
import { BelayError } from "../errors.js";
import type { AccountRow, Store } from "../store/types.js";
import type { BelayConfig } from "./config.js";

/**
 * The account `npm start` prints: created on first start and kept in the data folder. BELAY_*
 * credentials pick (or create) a specific one; a key or secret given for an existing account
 * replaces the stored one.
 */
export async function ensureDefaultAccount(
  store: Store,
  wanted: BelayConfig["credentials"],
): Promise<AccountRow> {
  if (wanted.accountId !== undefined && !isId(wanted.accountId, "AC")) {
    throw new BelayError(
      "CONFIG_INVALID",
      `BELAY_ACCOUNT_ID "${wanted.accountId}" is not AC followed by 40 hex digits`,
    );
  }
  if (wanted.signingSecret !== undefined && !/^sigsec_[0-9a-f]{40}$/.test(wanted.signingSecret)) {
    throw new BelayError("CONFIG_INVALID", "BELAY_SIGNING_SECRET must be sigsec_ followed by 40 hex digits");
  }
  if (wanted.apiKey !== undefined && wanted.apiKey.length < 16) {
    throw new BelayError("CONFIG_INVALID", "BELAY_API_KEY must be at least 16 characters");
  }
  const existing = wanted.accountId
    ? await store.accounts.get(wanted.accountId)
    : (await store.accounts.list()).at(-1); // the oldest: list is newest first
  if (!existing) {
    return store.accounts.create({
      accountId: wanted.accountId ?? newId("AC"),
      apiKey: wanted.apiKey ?? newApiKey(),
      signingSecret: wanted.signingSecret ?? newSigningSecret(),
      alias: "default",
    });
  }
  const patch: Partial<Pick<AccountRow, "apiKey" | "signingSecret">> = {};
  if (wanted.apiKey && wanted.apiKey !== existing.apiKey) patch.apiKey = wanted.apiKey;
  if (wanted.signingSecret && wanted.signingSecret !== existing.signingSecret)
    patch.signingSecret = wanted.signingSecret;
  if (Object.keys(patch).length === 0) return existing;
  return (await store.accounts.update(existing.accountId, patch)) ?? existing;
}
