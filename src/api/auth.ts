import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { isId } from "../contract/ids.js";
import type { AccountRow, Store } from "../store/types.js";
import { apiError } from "./errors.js";

// Hashing both sides first makes the comparison constant-time whatever the lengths.
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** HTTP Basic auth: user = account id, password = API key. Throws AUTH_REQUIRED on any failure. */
export async function authenticate(request: FastifyRequest, store: Store): Promise<AccountRow> {
  const credentials = parseBasic(request.headers.authorization);
  if (!credentials)
    throw apiError("AUTH_REQUIRED", "HTTP Basic authentication with the account id and API key is required");
  const account = await checkCredentials(store, credentials.user, credentials.password);
  if (!account) throw apiError("AUTH_REQUIRED", "the account id or API key is wrong");
  return account;
}

/** The account whose id and API key these are, or undefined; the key is compared in constant time. */
export async function checkCredentials(
  store: Store,
  accountId: string,
  apiKey: string,
): Promise<AccountRow | undefined> {
  // An unknown account still costs one comparison, so timing does not reveal which ids exist.
  const account = isId(accountId, "AC") ? await store.accounts.get(accountId) : undefined;
  const ok = sameSecret(apiKey, account?.apiKey ?? "belay-no-such-account");
  return account && ok ? account : undefined;
}

/** The account in the path must be the authenticated one. */
export function requireSameAccount(account: AccountRow, pathAccountId: string): void {
  if (!isId(pathAccountId, "AC"))
    throw apiError("INVALID_REQUEST", `"${pathAccountId}" is not a valid account id`, { field: "accountId" });
  if (pathAccountId !== account.accountId)
    throw apiError("FORBIDDEN", "these credentials do not give access to that account");
}
