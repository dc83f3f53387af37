import { BelayError } from "../errors.js";

export const MAX_BLOB_KEY_LENGTH = 512;

/** Fits a file name on every common filesystem (255 bytes), with room for PARTIAL_SUFFIX. */
export const MAX_BLOB_KEY_SEGMENT_LENGTH = 200;

/** Suffix of a blob still being written; reserved, so no finished blob can be mistaken for one. */
export const PARTIAL_SUFFIX = ".partial";

const SEGMENT = /^[A-Za-z0-9._-]+$/;

function invalid(key: string, why: string): BelayError {
  const shown = JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
  return new BelayError("BLOB_KEY_INVALID", `blob key ${shown} is invalid: ${why}`, {
    key: key.slice(0, 80),
  });
}

/**
 * Keys look like `recordings/AC…/RE….wav`: segments of `[A-Za-z0-9._-]` joined by `/`. Anything
 * that could climb out of the store (`..`, a leading `/`, NUL, backslashes) is refused here, before
 * any backend turns the key into a path or an object name.
 */
export function assertValidBlobKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) throw invalid(String(key), "it is empty");
  if (key.length > MAX_BLOB_KEY_LENGTH)
    throw invalid(key, `it is longer than ${MAX_BLOB_KEY_LENGTH} characters`);
  for (const segment of key.split("/")) {
    if (segment === "") throw invalid(key, "it has an empty segment (leading, trailing or double /)");
    if (segment === "." || segment === "..") throw invalid(key, `it has a "${segment}" segment`);
    if (!SEGMENT.test(segment)) throw invalid(key, "segments may only hold A-Z a-z 0-9 . _ -");
    if (segment.length > MAX_BLOB_KEY_SEGMENT_LENGTH) {
      throw invalid(key, `a segment is longer than ${MAX_BLOB_KEY_SEGMENT_LENGTH} characters`);
    }
  }
  if (key.endsWith(PARTIAL_SUFFIX)) throw invalid(key, `"${PARTIAL_SUFFIX}" names in-progress writes`);
}
