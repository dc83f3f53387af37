import type { ByteRange } from "../store/blob-store.js";

/**
 * What a `Range` header asks of a file of `size` bytes (RFC 7233 section 2.1, bytes only):
 * - `whole`: no usable Range: answer 200 with the whole file. That covers no header, another unit,
 *   a syntax error or a backwards range (RFC 7233 lets a server ignore those), and several ranges
 *   (Belay does not send multipart/byteranges; the whole file is a valid answer).
 * - `partial`: one satisfiable range, clamped to the file: answer 206 with exactly those bytes.
 * - `unsatisfiable`: one range that starts past the end (or asks for the last 0 bytes, or any byte of
 *   an empty file): answer 416, with a Content-Range that gives the size.
 */
export type RangeAnswer =
  | { kind: "whole" }
  | { kind: "partial"; range: ByteRange }
  | { kind: "unsatisfiable" };

/** Digits only, at most 15 of them: every value stays a safe integer. */
const SPEC = /^(?:(\d{1,15})-(\d{0,15})|-(\d{1,15}))$/;

export function resolveRange(header: string | string[] | undefined, size: number): RangeAnswer {
  if (typeof header !== "string") return { kind: "whole" };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return { kind: "whole" };
  const specs = (match[1] as string).split(",").map((spec) => spec.trim());
  if (specs.length !== 1) return { kind: "whole" };
  const spec = SPEC.exec(specs[0] as string);
  if (!spec) return { kind: "whole" };
  const [, first, last, suffix] = spec;
  if (suffix !== undefined) {
    const length = Number(suffix);
    if (length === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === "" || last === undefined ? undefined : Number(last);
  if (end !== undefined && end < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", range: { start, end: Math.min(end ?? size - 1, size - 1) } };
}

/**
 * `If-Range` (RFC 7233 section 3.2): the range applies only if the validator still names this
 * representation. Recordings never change, so only their own strong ETag matches; a date or
 * another tag means "send it whole".
 */
export function ifRangeHolds(ifRange: string | string[] | undefined, etag: string): boolean {
  return ifRange === undefined || (typeof ifRange === "string" && ifRange.trim() === etag);
}
