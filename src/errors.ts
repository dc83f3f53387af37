/**
 * Every error Belay raises on purpose carries a stable code, so callers (the CLI, the API, the
 * engine's end-of-call logic) branch on `code`, never on message text.
 */
export class BelayError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = "BelayError";
    this.code = code;
    this.details = details;
  }
}

export function isBelayError(err: unknown, code?: string): err is BelayError {
  return err instanceof BelayError && (code === undefined || err.code === code);
}

/** Error codes that mean the disk (or the user's quota) has no room left. */
const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT", "SQLITE_FULL", "BLOB_DISK_FULL"]);

/**
 * True when `err`, or an error it was caused by, says the disk is full: a file write (ENOSPC,
 * EDQUOT), SQLite (SQLITE_FULL) or Belay's own BLOB_DISK_FULL.
 */
export function isDiskFullError(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && DISK_FULL_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `write`, and once more if it failed for a full disk: by then Belay has made room (its disk
 * reserve, SQLite's WAL), and this write is one a call needs to end cleanly.
 */
export async function onceMoreIfDiskFull<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isDiskFullError(err)) throw err;
    return write();
  }
}
