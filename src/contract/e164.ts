/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

export function isE164(value: string): boolean {
  return E164_PATTERN.test(value);
}

/**
 * A dialled number as peers send it (`+15550002222`, `15550002222`, SIP URI users with visual
 * separators such as `+1-555-000-2222`) → E.164, or undefined when it cannot be one.
 */
export function normalizeE164(dialled: string): string | undefined {
  const digits = dialled.trim().replace(/[\s().-]/g, "");
  const candidate = digits.startsWith("+") ? digits : `+${digits}`;
  return isE164(candidate) ? candidate : undefined;
}
