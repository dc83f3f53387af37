import { BelayError } from "../../errors.js";

/*
 * The one place where SQL values become record values and back. Both SQLite and PostgreSQL store
 * booleans here as integer 0/1 and times as 64-bit epoch milliseconds.
 */

export function encodeFlag(value: boolean): number;
export function encodeFlag(value: boolean | undefined): number | undefined;
export function encodeFlag(value: boolean | undefined): number | undefined {
  return value === undefined ? undefined : value ? 1 : 0;
}

export function decodeFlag(value: number): boolean {
  return value !== 0;
}

/** A 64-bit integer column (epoch ms, byte counts, COUNT(*)) as a JS number. */
export function decodeInt64(value: number | string | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new BelayError(
      "STORE_VALUE_INVALID",
      `expected a safe integer from the database, got ${String(value)}`,
    );
  }
  return n;
}

export function decodeNullableInt64(value: number | string | bigint | null): number | null {
  return value === null ? null : decodeInt64(value);
}

/**
 * The row a plain INSERT of `columns` stored, as a SELECT would read it back: columns left out
 * are NULL, and seq is the new rowid. The hot inserts build their rows so instead of asking for
 * `RETURNING *`, which in SQLite cost two to three times the insert itself (bench/tools/sqlite-
 * commits.ts, variant returning).
 */
export function insertedRow<Row>(columns: object, insertId: bigint | undefined): Row {
  const row: Record<string, unknown> = { seq: insertId === undefined ? null : Number(insertId) };
  for (const [name, value] of Object.entries(columns)) row[name] = value ?? null;
  return row as Row;
}
