import { BelayError } from "../errors.js";

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;

/**
 * A duration setting: a whole number with a unit (`7d`, `12h`, `30m`, `90s`), or a bare whole
 * number of days. Above zero; anything else is a CONFIG_INVALID naming the setting.
 */
export function parseDuration(what: string, value: string): number {
  const match = /^(\d+)\s*([dhms]?)$/i.exec(value.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  const unit = (match?.[2] || "d").toLowerCase() as keyof typeof UNIT_MS;
  const ms = amount * UNIT_MS[unit];
  if (!(Number.isSafeInteger(ms) && ms > 0)) {
    throw new BelayError(
      "CONFIG_INVALID",
      `${what} "${value}" must be a duration above zero: days (7 or 7d), hours (12h), minutes (30m) or seconds (90s)`,
    );
  }
  return ms;
}
