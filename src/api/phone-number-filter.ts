import { apiError } from "./errors.js";

/**
 * The `phoneNumber` filter of the numbers list. FreeClimb documents it as a PCRE regular
 * expression matched against the number; an E.164 number given as is (`+15550002222`, which is
 * not a valid pattern because of its leading `+`) means that number exactly.
 */
export type PhoneNumberMatch = { exact: string } | { pattern: RegExp };

const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_PATTERN = 64;

export function phoneNumberMatch(given: string): PhoneNumberMatch {
  // An unencoded `+` in a query string arrives as a space: `?phoneNumber=+1555…` means the plus.
  const value = given.replace(/^ (?=\d)/, "+");
  if (E164.test(value)) return { exact: value };
  const refuse = (why: string) =>
    apiError("INVALID_REQUEST", `"phoneNumber" ${why}`, { field: "phoneNumber" });
  if (value.length > MAX_PATTERN) throw refuse(`must be at most ${MAX_PATTERN} characters`);
  // A leading `+` (after an optional `^`) can only mean the literal plus of E.164, as in `^+1555`.
  const source = value.replace(/^(\^?)\+/, "$1\\+");
  try {
    // Matched against E.164 values (at most 16 characters), so no pattern can backtrack for long.
    return { pattern: new RegExp(source) };
  } catch {
    throw refuse("is neither an E.164 number nor a valid regular expression");
  }
}
