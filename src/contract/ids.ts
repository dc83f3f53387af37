import { randomBytes } from "node:crypto";

/**
 * FreeClimb resource ids are two uppercase letters naming the kind of resource followed by 40
 * lowercase hex digits: AC account, AP application, CA call, RE recording, PN phone number,
 * CF conference, QU queue, RQ request.
 */
export type IdPrefix = "AC" | "AP" | "CA" | "RE" | "PN" | "CF" | "QU" | "RQ";

const ID_PATTERN = /^[A-Z]{2}[0-9a-f]{40}$/;

/** 20 random bytes give the 40 hex digits every FreeClimb id and secret carries. */
function hex40(): string {
  return randomBytes(20).toString("hex");
}

export function newId(prefix: IdPrefix): string {
  return prefix + hex40();
}

/** True when `value` is shaped like a FreeClimb id, and starts with `prefix` when one is given. */
export function isId(value: unknown, prefix?: IdPrefix): value is string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) return false;
  return prefix === undefined || value.startsWith(prefix);
}

/** The password half of REST Basic auth (the user is the account id). */
export function newApiKey(): string {
  return hex40();
}

/** An account webhook signing secret, as FreeClimb spells them. */
export function newSigningSecret(): string {
  return `sigsec_${hex40()}`;
}
