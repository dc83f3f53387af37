/**
 * The trunk's side of digest authentication, for tests that play the trunk: challenges as a
 * carrier writes them, and the check a carrier makes of Belay's answer. The hashes are written
 * out here from RFC 7616 3.4.1 with node:crypto, independently of Belay's own digest code, so a
 * test compares Belay against a second implementation rather than against itself.
 */
import { createHash } from "node:crypto";
import type { SipRequest } from "../../src/legs/sip/message/types.js";

/** The parameters of an Authorization value, quotes removed. */
export function authParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const body = value.replace(/^\s*Digest\s+/i, "");
  for (const match of body.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) {
    params[(match[1] as string).toLowerCase()] = match[2] !== undefined ? match[2] : (match[3] as string);
  }
  return params;
}

export interface TrunkAccount {
  username: string;
  password: string;
  realm: string;
}

/**
 * What a trunk recomputes from the request and the stored password; undefined when the answer is
 * right, else what is wrong with it.
 */
export function checkAnswer(
  request: SipRequest,
  header: "Authorization" | "Proxy-Authorization",
  account: TrunkAccount,
  expected: { nonce: string; algorithm: "MD5" | "SHA-256"; qop: boolean; opaque?: string },
): string | undefined {
  const value = request.headers.get(header);
  if (!value) return `no ${header}`;
  const p = authParams(value);
  if (p.username !== account.username) return `username ${p.username}`;
  if (p.realm !== account.realm) return `realm ${p.realm}`;
  if (p.nonce !== expected.nonce) return `nonce ${p.nonce}, expected ${expected.nonce}`;
  if (p.uri !== request.uri) return `uri ${p.uri} is not the Request-URI ${request.uri}`;
  if (expected.opaque !== undefined && p.opaque !== expected.opaque) return `opaque ${p.opaque}`;
  const hash = expected.algorithm === "MD5" ? "md5" : "sha256";
  const h = (s: string) => createHash(hash).update(s).digest("hex");
  const ha1 = h(`${account.username}:${account.realm}:${account.password}`);
  const ha2 = h(`${request.method}:${p.uri}`);
  let want: string;
  if (expected.qop) {
    if (p.qop !== "auth" || !p.cnonce || !/^[0-9a-f]{8}$/.test(p.nc ?? "")) return `qop ${p.qop} nc ${p.nc}`;
    want = h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
  } else {
    if (p.qop !== undefined || p.cnonce !== undefined) return "qop or cnonce without a qop challenge";
    want = h(`${ha1}:${p.nonce}:${ha2}`);
  }
  return p.response === want ? undefined : `response ${p.response}, expected ${want}`;
}
