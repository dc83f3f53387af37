import type { FastifyReply, FastifyRequest } from "fastify";
import { sameSecret } from "../api/auth.js";
import { apiError } from "../api/errors.js";
import type { Store } from "../store/types.js";
import { readCookie, SESSION_COOKIE } from "./cookies.js";
import { type ConsoleSession, type ConsoleSessions, keyHash } from "./sessions.js";

/** The header a state-changing console request carries its session's CSRF token in. */
export const CSRF_HEADER = "x-belay-csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

declare module "fastify" {
  interface FastifyRequest {
    consoleSession: ConsoleSession | null;
  }
}

/**
 * A request from another site is refused before anything else: browsers send Origin on every
 * cross-origin request and on same-origin POSTs; a request without one (curl, a same-origin GET)
 * is left to the session and token checks.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const expected = `${request.protocol}://${request.headers.host ?? ""}`;
  if (origin !== expected) {
    request.log.warn({ origin, expected }, "console request from another origin refused");
    throw apiError("FORBIDDEN", "the console accepts requests only from its own pages");
  }
}

/**
 * The session behind a console API request, checked three ways: the cookie names a live session,
 * the account still has the API key it was opened with, and (for anything but a read) the request
 * echoes the session's CSRF token and comes from the console's own origin. Sets request.account.
 */
export function sessionGuard(sessions: ConsoleSessions, store: Store) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const session = sessions.find(readCookie(request.headers.cookie, SESSION_COOKIE));
    if (!session) throw apiError("AUTH_REQUIRED", "sign in to the console first");
    const account = await store.accounts.get(session.accountId);
    if (!account || keyHash(account.apiKey) !== session.keyHash) {
      sessions.end(session.id);
      throw apiError("AUTH_REQUIRED", "the account's API key changed: sign in again");
    }
    if (!SAFE_METHODS.has(request.method)) {
      assertSameOrigin(request);
      const token = request.headers[CSRF_HEADER];
      if (typeof token !== "string" || !sameSecret(token, session.csrfToken)) {
        request.log.warn(
          { path: request.url.split("?")[0] },
          "console request without its CSRF token refused",
        );
        throw apiError("FORBIDDEN", "missing or wrong CSRF token: reload the console");
      }
    }
    request.account = account;
    request.consoleSession = session;
  };
}
