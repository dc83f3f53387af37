import type { FastifyInstance } from "fastify";
import type { Store } from "../store/types.js";
import { authenticate, requireSameAccount } from "./auth.js";

/** The one path param that names an account; the account check reads it and nothing else. */
const ACCOUNT_PARAM = "accountId";

/**
 * Who may call what, decided on the route Fastify matched and the params its router decoded, never
 * on the raw URL: a client can spell one path many ways (`/%61piserver`, `%41ccounts`), and only
 * the router's reading says which handler runs.
 *
 * - Every route takes HTTP Basic auth unless it says `config: { public: true }` (secure by
 *   default: a route registered by a plugin is authenticated too, unless marked).
 * - A route whose path has `:accountId` serves only that account's credentials.
 * - No route matched: the not-found handler runs for everyone; it reads nothing and says only that
 *   no endpoint has that path, the same with or without credentials.
 *
 * Register before any route, so every route (plugins' included) inherits both hooks.
 */
export function guardRoutes(api: FastifyInstance, store: Store): void {
  api.addHook("onRoute", (route) => {
    // An account segment under another param name would skip the account check: refuse it.
    if (route.config?.public !== true && /\/Accounts\/(?!:accountId(?:\/|$))/.test(route.url ?? ""))
      throw new Error(`route ${route.url} names an account other than by :${ACCOUNT_PARAM}`);
  });

  api.addHook("onRequest", async (request) => {
    if (request.is404) return;
    if (request.routeOptions.config.public === true) return;
    request.account = await authenticate(request, store);
    const accountId = (request.params as Record<string, string | undefined>)[ACCOUNT_PARAM];
    if (accountId !== undefined) requireSameAccount(request.account, accountId);
  });
}
