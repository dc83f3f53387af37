import { z } from "zod";
import { type IdPrefix, isId } from "../ids.js";

/**
 * Attribute builders shared by every PerCL command schema. Each one words its own failure as the
 * end of a sentence ("is required", "must be an integer") so that parsePercl can prefix it with
 * the command and the attribute and hand the developer one sentence to act on.
 */

/** Error wording for a leaf attribute: missing reads "is required", anything else "must be <what>". */
export function expecting(what: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`),
  };
}

export const text = () => z.string(expecting("a string"));

export const nonEmptyText = () => text().min(1, "must not be empty");

export const flag = () => z.boolean(expecting("true or false"));

export const integer = () => z.int(expecting("an integer"));

/** Durations, counts and loops: FreeClimb never gives a negative one a meaning. */
export const count = () => integer().min(0, "must be 0 or more");

export const decimal = () => z.number(expecting("a number"));

/** FreeClimb fetches these itself, so a relative or non-HTTP URL can never work. */
export function isAbsoluteHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === "http:" || protocol === "https:";
}

export const absoluteUrl = () =>
  text().refine(isAbsoluteHttpUrl, "must be an absolute http:// or https:// URL");

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, expecting(`one of ${values.map((v) => JSON.stringify(v)).join(", ")}`));

export const DTMF_KEYS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "#", "*"] as const;
export type DtmfKey = (typeof DTMF_KEYS)[number];

/** A single key that ends input: one of 0-9, # or *. */
export const dtmfKey = () => z.enum(DTMF_KEYS, expecting("one key: 0-9, # or *"));

export const resourceId = (prefix: IdPrefix) =>
  text().refine(
    (value) => isId(value, prefix),
    `must be a ${prefix} id (${prefix} followed by 40 lowercase hex digits)`,
  );

export const SAY_TEXT_MAX_BYTES = 4096;

/** FreeClimb limits Say text in bytes, not characters: UTF-8 multi-byte text hits it sooner. */
export const sayText = () =>
  text().refine(
    (value) => Buffer.byteLength(value, "utf8") <= SAY_TEXT_MAX_BYTES,
    `must be at most ${SAY_TEXT_MAX_BYTES} bytes of UTF-8`,
  );
