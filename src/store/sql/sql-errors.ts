import { BelayError } from "../../errors.js";

/*
 * Constraint failures reported by the driver, named the same way for SQLite (better-sqlite3's
 * extended result codes) and PostgreSQL (SQLSTATE), so callers branch on a BelayError code.
 */
const UNIQUE_CODES = new Set(["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "23505"]);
const FOREIGN_KEY_CODES = new Set(["SQLITE_CONSTRAINT_FOREIGNKEY", "23503"]);

function driverCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "string" ? err.code : undefined;
}

/** Turns a constraint failure into STORE_CONFLICT / STORE_REFERENCE_NOT_FOUND; other errors pass. */
export function translateWriteError(err: unknown, what: string, details: Record<string, unknown>): unknown {
  const code = driverCode(err);
  if (code !== undefined && UNIQUE_CODES.has(code)) {
    return new BelayError("STORE_CONFLICT", `${what}: a row with the same unique value exists`, details, {
      cause: err,
    });
  }
  if (code !== undefined && FOREIGN_KEY_CODES.has(code)) {
    return new BelayError("STORE_REFERENCE_NOT_FOUND", `${what}: a referenced row does not exist`, details, {
      cause: err,
    });
  }
  return err;
}

/** Ids and owning accounts never change: a patch may repeat them but not alter them. */
export function assertUnchanged(field: string, patched: unknown, current: string): void {
  if (patched !== undefined && patched !== current) {
    throw new BelayError("STORE_FIELD_IMMUTABLE", `${field} cannot be changed`, {
      field,
      from: current,
      to: patched,
    });
  }
}
