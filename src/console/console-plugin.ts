import type { FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../api/app.js";
import type { Store } from "../store/types.js";
import { ConsoleBundle } from "./bundle.js";
import { CallFeed } from "./call-feed.js";
import { consoleErrorHandler } from "./console-errors.js";
import { feedRoutes } from "./feed-routes.js";
import { pageRoutes } from "./page-routes.js";
import { PerclAnswers } from "./percl-answers.js";
import { restBridge } from "./rest-bridge.js";
import { sessionGuard } from "./session-guard.js";
import { sessionRoutes, signInRoute } from "./session-routes.js";
import { ConsoleSessions, keyHash } from "./sessions.js";
import { virtualCallRoute } from "./virtual-call-route.js";
import { webhookRoutes } from "./webhook-routes.js";

/**
 * The web console at /console (docs/console.md). Its routes are `public` to the Basic-auth guard
 * (route-auth.ts): the console signs in with a session cookie instead, checked by sessionGuard on
 * every /console/api route but sign-in.
 */
export const consoleRoutes =
  (deps: ApiDeps, answers: PerclAnswers = new PerclAnswers()): FastifyPluginAsync =>
  async (api) => {
    const sessions = new ConsoleSessions();
    const feed = new CallFeed();
    feed.attach(deps.engine);
    api.decorateRequest("consoleSession", null);
    api.setErrorHandler(consoleErrorHandler);
    pageRoutes(api, new ConsoleBundle());
    signInRoute(api, sessions, deps.store);
    await api.register(async (guarded) => {
      guarded.addHook("onRequest", sessionGuard(sessions, deps.store));
      const streams = feedRoutes(guarded, feed, (id) => stillSignedIn(sessions, deps.store, id));
      // A session that signs out stops hearing of calls at once, in every tab.
      sessionRoutes(guarded, sessions, streams.endSession);
      restBridge(guarded);
      virtualCallRoute(guarded, deps);
      webhookRoutes(guarded, deps.store, answers);
      // Open event streams would otherwise hold Belay's close() until each browser went away.
      api.addHook("preClose", (done) => {
        streams.endAll();
        done();
      });
    });
  };

/** The session is open and its account still has the API key it signed in with. */
async function stillSignedIn(sessions: ConsoleSessions, store: Store, sessionId: string): Promise<boolean> {
  const session = sessions.peek(sessionId);
  if (!session) return false;
  const account = await store.accounts.get(session.accountId);
  return account !== undefined && keyHash(account.apiKey) === session.keyHash;
}
