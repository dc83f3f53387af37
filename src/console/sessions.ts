import { createHash, randomBytes } from "node:crypto";
import type { AccountRow } from "../store/types.js";

/** One signed-in browser: which account, and the token its state-changing requests must echo. */
export interface ConsoleSession {
  readonly id: string;
  readonly accountId: string;
  /** SHA-256 of the API key signed in with: a rotated key ends the session. */
  readonly keyHash: string;
  readonly csrfToken: string;
  expiresAt: number;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Beyond this many open sessions the oldest is dropped: sign-ins cannot grow memory without end. */
const MAX_SESSIONS = 10_000;

export function keyHash(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex");
}

/**
 * The console's sessions, in memory: a restart signs everyone out. Ids and CSRF tokens are 256
 * random bits; the session id lives only in an HttpOnly cookie. Expiry slides with use.
 */
export class ConsoleSessions {
  private readonly open = new Map<string, ConsoleSession>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  start(account: AccountRow): ConsoleSession {
    const session: ConsoleSession = {
      id: randomBytes(32).toString("base64url"),
      accountId: account.accountId,
      keyHash: keyHash(account.apiKey),
      csrfToken: randomBytes(32).toString("base64url"),
      expiresAt: this.now() + this.ttlMs,
    };
    this.open.set(session.id, session);
    if (this.open.size > MAX_SESSIONS) {
      const oldest = this.open.keys().next().value;
      if (oldest !== undefined) this.open.delete(oldest);
    }
    return session;
  }

  /** The live session with this id (its expiry pushed back), or undefined. */
  find(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const session = this.open.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.open.delete(id);
      return undefined;
    }
    session.expiresAt = this.now() + this.ttlMs;
    return session;
  }

  /** The live session with this id, without extending it; undefined when it ended or expired. */
  peek(id: string): ConsoleSession | undefined {
    const session = this.open.get(id);
    return session !== undefined && session.expiresAt > this.now() ? session : undefined;
  }

  end(id: string): void {
    this.open.delete(id);
  }
}
