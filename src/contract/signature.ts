import { createHmac, timingSafeEqual } from "node:crypto";
import { BelayError } from "../errors.js";

/**
 * The `FreeClimb-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each v1 the
 * HMAC-SHA256 of `<t>.<body>` under one active signing secret, so secrets can rotate.
 */

export const SIGNATURE_HEADER = "FreeClimb-Signature";
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: "malformed" | "stale" | "future" | "mismatch" };

const HMAC_HEX = /^[0-9a-fA-F]{64}$/;
const UNIX_SECONDS = /^[0-9]{1,12}$/;

function hmac(secret: string, t: number, body: string): Buffer {
  return createHmac("sha256", secret).update(`${t}.${body}`, "utf8").digest();
}

/** Signs the exact body bytes that will be sent; one v1 per secret, in the order given. */
export function signPayload(body: string, secrets: readonly string[], unixSeconds: number): string {
  if (secrets.length === 0) {
    throw new BelayError("SIGNATURE_NO_SECRET", "cannot sign a webhook without at least one signing secret");
  }
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) {
    throw new BelayError(
      "SIGNATURE_BAD_TIME",
      `signature time must be whole unix seconds, got ${unixSeconds}`,
      {
        unixSeconds,
      },
    );
  }
  let header = `t=${unixSeconds}`;
  for (const secret of secrets) header += `,v1=${hmac(secret, unixSeconds, body).toString("hex")}`;
  return header;
}

type ParsedHeader = { t: number; signatures: Buffer[] };

/** Unknown schemes (a future v2) are skipped, as they would be by a newer verifier. */
function parseHeader(header: string): ParsedHeader | undefined {
  let t: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== undefined || !UNIX_SECONDS.test(value)) return undefined;
      t = Number(value);
    } else if (key === "v1") {
      if (!HMAC_HEX.test(value)) return undefined;
      signatures.push(Buffer.from(value, "hex"));
    }
  }
  if (t === undefined || signatures.length === 0) return undefined;
  return { t, signatures };
}

/**
 * Checks a header against the body it came with. Passes when any listed v1 matches any secret.
 * Rejects a timestamp more than `toleranceSec` old or ahead of `nowUnixSeconds`. Every
 * comparison runs in constant time, and all of them run, so timing reveals nothing.
 */
export function verifySignature(
  header: string,
  body: string,
  secrets: readonly string[],
  nowUnixSeconds: number,
  toleranceSec = DEFAULT_SIGNATURE_TOLERANCE_SEC,
): SignatureCheck {
  const parsed = parseHeader(header);
  if (parsed === undefined) return { ok: false, reason: "malformed" };
  if (nowUnixSeconds - parsed.t > toleranceSec) return { ok: false, reason: "stale" };
  if (parsed.t - nowUnixSeconds > toleranceSec) return { ok: false, reason: "future" };

  let matched = false;
  for (const secret of secrets) {
    const expected = hmac(secret, parsed.t, body);
    for (const signature of parsed.signatures) {
      // Both are 32 bytes: parseHeader only keeps 64-hex-digit signatures.
      if (timingSafeEqual(expected, signature)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: "mismatch" };
}
