import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { checkCredentials } from "../api/auth.js";
import { apiError } from "../api/errors.js";
import type { Store } from "../store/types.js";
import { readCookie, SESSION_COOKIE, sessionCookie } from "./cookies.js";
import { assertSameOrigin } from "./session-guard.js";
import { type ConsoleSessions, SESSION_TTL_MS } from "./sessions.js";
import { SignInThrottle } from "./sign-in-throttle.js";

const signInBody = z.object({ accountId: z.string().max(64), apiKey: z.string().min(1).max(256) });

const hidden = { hide: true };

/**
 * Sign-in: the account id and API key in a JSON body (never a URL) → a session cookie. A JSON
 * body cannot come from a cross-site form without a CORS preflight Belay never grants, and the
 * Origin check refuses other sites' scripts outright (no login CSRF). Repeated failures from one
 * address are throttled (sign-in-throttle.ts).
 */
export function signInRoute(
  plain: FastifyInstance,
  sessions: ConsoleSessions,
  store: Store,
  throttle: SignInThrottle = new SignInThrottle(),
): void {
  const api = plain.withTypeProvider<ZodTypeProvider>();
  api.post(
    "/console/api/session",
    { schema: { ...hidden, body: signInBody }, config: { public: true } },
    async (request, reply) => {
      assertSameOrigin(request);
      const waitSec = throttle.waitSec(request.ip);
      if (waitSec !== undefined) {
        request.log.warn({ address: request.ip, waitSec }, "console sign-in refused: too many failures");
        return reply
          .status(429)
          .header("Retry-After", String(waitSec))
          .send({ message: `too many failed sign-ins from this address: try again in ${waitSec} s` });
      }
      const { accountId, apiKey } = request.body;
      const account = await checkCredentials(store, accountId.trim(), apiKey.trim());
      if (!account) {
        throttle.failed(request.ip);
        request.log.warn({ address: request.ip }, "console sign-in refused: wrong account id or API key");
        throw apiError("AUTH_REQUIRED", "the account id or API key is wrong");
      }
      throttle.succeeded(request.ip);
      const session = sessions.start(account);
      const maxAge = Math.floor(SESSION_TTL_MS / 1000);
      reply.header("Set-Cookie", sessionCookie(session.id, maxAge, request.protocol === "https"));
      return { accountId: account.accountId, alias: account.alias, csrfToken: session.csrfToken };
    },
  );
}

/** Who is signed in (the page reads its CSRF token here), and sign-out. Behind the session guard. */
export function sessionRoutes(
  api: FastifyInstance,
  sessions: ConsoleSessions,
  onSignOut: (sessionId: string) => void,
): void {
  api.get("/console/api/session/current", { schema: hidden, config: { public: true } }, async (request) => ({
    accountId: request.account.accountId,
    alias: request.account.alias,
    csrfToken: request.consoleSession?.csrfToken,
  }));
  api.delete(
    "/console/api/session/current",
    { schema: hidden, config: { public: true } },
    async (request, reply) => {
      const id = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (id) {
        sessions.end(id);
        onSignOut(id);
      }
      reply.header("Set-Cookie", sessionCookie("", 0, request.protocol === "https"));
      return reply.status(204).send();
    },
  );
}
