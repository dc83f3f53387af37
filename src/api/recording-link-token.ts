import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { isId } from "../contract/ids.js";

/**
 * Signed, time-limited recording download links (a Belay extension). A link names the account, the
 * recording and an expiry (Unix seconds) in clear, and carries an HMAC-SHA256 over exactly those
 * three. No state is kept: a link is valid while its signature verifies and its expiry is ahead.
 *
 * The key is derived per account from the account's API key (HKDF-SHA256, the account id as salt).
 * A link therefore grants nothing the API key does not already grant, and rotating the API key
 * revokes every link minted under the old one. The signature reveals nothing about the key.
 */

export const DEFAULT_LINK_SECONDS = 3600;
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

/** Where links are served, without Basic auth. */
export const LINK_ROUTE_PREFIX = "/belay/v1/recording-links";

export interface LinkClaims {
  accountId: string;
  recordingId: string;
  /** Unix seconds; the link works strictly before this instant. */
  expires: number;
}

const KEY_INFO = "belay recording link v1";
const SIGNATURE = /^[0-9a-f]{64}$/;
const EXPIRES = /^[1-9][0-9]{0,11}$/;
const FILE = /^(RE[0-9a-f]{40})\.wav$/;

/** The account's link key: 32 bytes from its API key. */
export function linkKey(account: { accountId: string; apiKey: string }): Buffer {
  return Buffer.from(hkdfSync("sha256", account.apiKey, account.accountId, KEY_INFO, 32));
}

/** Fixed fields on separate lines: no two claim sets share a message. */
function signedMessage(claims: LinkClaims): string {
  return `${KEY_INFO}\n${claims.accountId}\n${claims.recordingId}\n${claims.expires}`;
}

function mac(claims: LinkClaims, key: Buffer): Buffer {
  return createHmac("sha256", key).update(signedMessage(claims)).digest();
}

/** The link's path and query, relative to the public base URL. */
export function linkPath(claims: LinkClaims, key: Buffer): string {
  const signature = mac(claims, key).toString("hex");
  return `${LINK_ROUTE_PREFIX}/${claims.accountId}/${claims.recordingId}.wav?expires=${claims.expires}&signature=${signature}`;
}

export interface ParsedLink {
  claims: LinkClaims;
  signature: Buffer;
}

/**
 * The link's parts, or undefined unless every one is exactly as Belay writes them: an account id,
 * `RE….wav`, and a query of `expires` and `signature` alone, each given once.
 */
export function parseLink(accountId: unknown, file: unknown, query: unknown): ParsedLink | undefined {
  if (!isId(accountId, "AC") || typeof file !== "string") return undefined;
  const recordingId = FILE.exec(file)?.[1];
  if (recordingId === undefined || typeof query !== "object" || query === null) return undefined;
  const fields = query as Record<string, unknown>;
  const names = Object.keys(fields).sort();
  if (names.length !== 2 || names[0] !== "expires" || names[1] !== "signature") return undefined;
  const { expires, signature } = fields;
  if (typeof expires !== "string" || !EXPIRES.test(expires)) return undefined;
  if (typeof signature !== "string" || !SIGNATURE.test(signature)) return undefined;
  return {
    claims: { accountId, recordingId, expires: Number(expires) },
    signature: Buffer.from(signature, "hex"),
  };
}

/** Constant-time: both sides are 32 bytes whatever the link held. */
export function signatureMatches(link: ParsedLink, key: Buffer): boolean {
  return timingSafeEqual(mac(link.claims, key), link.signature);
}

/** True once the expiry has come: a link minted for N seconds works for N seconds, not N + 1. */
export function linkExpired(claims: LinkClaims, nowMs: number): boolean {
  return nowMs >= claims.expires * 1000;
}
