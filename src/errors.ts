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
