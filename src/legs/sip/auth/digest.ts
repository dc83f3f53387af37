/**
 * HTTP Digest as SIP uses it (RFC 3261 22.4, RFC 7616, RFC 8760): the algorithms Belay answers,
 * which of several challenges it answers, the response hash, and the Authorization value.
 */
import { createHash } from "node:crypto";
import { type AuthChallenge, quote } from "./challenge.js";

export type DigestHash = "md5" | "sha256";

export interface DigestAlgorithm {
  /** As written in `algorithm=` (RFC 7616 3.3). */
  name: "MD5" | "MD5-sess" | "SHA-256" | "SHA-256-sess";
  hash: DigestHash;
  /** A -sess algorithm's HA1 also covers the nonce and cnonce (RFC 7616 3.4.2). */
  sess: boolean;
}

/** Belay's algorithms, the one it prefers first (RFC 8760 section 2.4: the strongest it supports). */
const ALGORITHMS: readonly DigestAlgorithm[] = [
  { name: "SHA-256", hash: "sha256", sess: false },
  { name: "SHA-256-sess", hash: "sha256", sess: true },
  { name: "MD5", hash: "md5", sess: false },
  { name: "MD5-sess", hash: "md5", sess: true },
];

/** A Digest challenge Belay can answer. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  algorithm: DigestAlgorithm;
  /** Whether the challenge named its algorithm (else MD5 is meant, and Belay names none either). */
  algorithmNamed: boolean;
  /** `auth` when the challenge offers it; undefined: RFC 2069 style, no qop. */
  qop: "auth" | undefined;
  /** The server saw a valid response with an old nonce (RFC 7616 3.3): answer again, same password. */
  stale: boolean;
}

/** Why a challenge cannot be answered, for the log line. */
export type Unanswerable = { unanswerable: string };

/** A parsed challenge as something Belay can answer, or why not. */
export function digestChallenge(challenge: AuthChallenge): DigestChallenge | Unanswerable {
  if (challenge.scheme.toLowerCase() !== "digest")
    return { unanswerable: `scheme ${challenge.scheme} (only Digest is supported)` };
  const { params } = challenge;
  const realm = params.get("realm");
  const nonce = params.get("nonce");
  if (realm === undefined || nonce === undefined)
    return { unanswerable: "a Digest challenge without realm or nonce" };
  const named = params.get("algorithm");
  const algorithm = ALGORITHMS.find((a) => a.name.toLowerCase() === (named ?? "MD5").toLowerCase());
  if (!algorithm) return { unanswerable: `algorithm ${named} (MD5, SHA-256 and their -sess are supported)` };
  const offered = params.get("qop");
  let qop: "auth" | undefined;
  if (offered !== undefined) {
    const options = offered.split(",").map((o) => o.trim().toLowerCase());
    if (!options.includes("auth")) return { unanswerable: `qop=${offered} (only qop=auth is supported)` };
    qop = "auth";
  }
  // A -sess hash needs a cnonce, and a cnonce is only sent with a qop (RFC 7616 3.4).
  if (algorithm.sess && !qop) return { unanswerable: `algorithm ${algorithm.name} without qop` };
  return {
    realm,
    nonce,
    opaque: params.get("opaque"),
    algorithm,
    algorithmNamed: named !== undefined,
    qop,
    stale: (params.get("stale") ?? "").toLowerCase() === "true",
  };
}

/** Of several answerable challenges for one realm, the one with Belay's preferred algorithm. */
export function preferred(challenges: readonly DigestChallenge[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const c of challenges) {
    if (!best || ALGORITHMS.indexOf(c.algorithm) < ALGORITHMS.indexOf(best.algorithm)) best = c;
  }
  return best;
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  /** The digest-uri: the request's Request-URI (RFC 3261 22.4). */
  uri: string;
  /** With qop: the client nonce and the nonce count as 8 hex digits. */
  qop?: "auth";
  cnonce?: string;
  nc?: string;
}

function hex(hash: DigestHash, text: string): string {
  return createHash(hash).update(text, "utf8").digest("hex");
}

/** The `response` of RFC 7616 3.4.1 (qop=auth), or of RFC 2069 when there is no qop. */
export function digestResponse(input: DigestInput): string {
  const { algorithm, username, password, realm, nonce, method, uri, qop, cnonce, nc } = input;
  const h = (text: string) => hex(algorithm.hash, text);
  let ha1 = h(`${username}:${realm}:${password}`);
  if (algorithm.sess) ha1 = h(`${ha1}:${nonce}:${cnonce ?? ""}`);
  const ha2 = h(`${method}:${uri}`);
  if (qop) return h(`${ha1}:${nonce}:${nc ?? ""}:${cnonce ?? ""}:${qop}:${ha2}`);
  return h(`${ha1}:${nonce}:${ha2}`);
}

/**
 * The Authorization (or Proxy-Authorization) value answering `challenge` for a request with
 * `method` and Request-URI `uri`. Parameters in the order RFC 7616's examples use: some servers
 * find `nonce` by a substring search that `cnonce` written first would fool.
 */
export function authorizationValue(
  challenge: DigestChallenge,
  credentials: { username: string; password: string },
  request: { method: string; uri: string },
  counter: { cnonce: string; nc: number },
): string {
  const nc = counter.nc.toString(16).padStart(8, "0");
  const response = digestResponse({
    algorithm: challenge.algorithm,
    username: credentials.username,
    password: credentials.password,
    realm: challenge.realm,
    nonce: challenge.nonce,
    method: request.method,
    uri: request.uri,
    ...(challenge.qop ? { qop: challenge.qop, cnonce: counter.cnonce, nc } : {}),
  });
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `response=${quote(response)}`,
  ];
  if (challenge.algorithmNamed) parts.push(`algorithm=${challenge.algorithm.name}`);
  if (challenge.qop) parts.push(`cnonce=${quote(counter.cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.qop) parts.push(`qop=${challenge.qop}`, `nc=${nc}`);
  return `Digest ${parts.join(", ")}`;
}
