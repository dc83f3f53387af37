import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiError } from "../api/errors.js";
import { idOf } from "../api/schemas.js";
import type { CallFeed, FeedMessage } from "./call-feed.js";

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 20_000;

/**
 * The live side of the console: one Server-Sent Events stream per page with every call and
 * timeline event of the signed-in account, and a call's kept timeline to start a page from.
 * Returns how to end open streams: all of them (Belay is closing), or one session's (it signed out).
 */
export function feedRoutes(
  plain: FastifyInstance,
  feed: CallFeed,
  stillSignedIn: (sessionId: string) => Promise<boolean>,
): { endAll(): void; endSession(sessionId: string): void } {
  const api = plain.withTypeProvider<ZodTypeProvider>();
  const streams = new Map<ServerResponse, string | undefined>();
  const options = { config: { public: true } };

  api.get("/console/api/events", { ...options, schema: { hide: true } }, (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    raw.write("retry: 2000\n\n");
    const send = (message: FeedMessage) => raw.write(`data: ${JSON.stringify(message)}\n\n`);
    const unsubscribe = feed.subscribe(request.account.accountId, send);
    const sessionId = request.consoleSession?.id;
    // Each heartbeat also checks the session: one that expired, or whose account's API key
    // changed, stops hearing of calls within HEARTBEAT_MS.
    const heartbeat = setInterval(() => {
      raw.write(": ping\n\n");
      if (sessionId)
        void stillSignedIn(sessionId).then(
          (ok) => ok || raw.end(),
          () => raw.end(),
        );
    }, HEARTBEAT_MS);
    heartbeat.unref();
    streams.set(raw, sessionId);
    raw.on("close", () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(raw);
    });
  });

  api.get(
    "/console/api/calls/:callId/timeline",
    { ...options, schema: { hide: true, params: z.object({ callId: idOf("CA") }) } },
    async (request) => {
      const kept = feed.timeline(request.account.accountId, request.params.callId);
      if (!kept)
        throw apiError(
          "CALL_NOT_FOUND",
          "this call's full timeline is no longer kept (the console keeps the last 500 calls since Belay started): its stored log follows",
        );
      return { callId: kept.callId, ended: kept.ended, events: kept.events };
    },
  );

  return {
    endAll: () => {
      for (const stream of streams.keys()) stream.end();
    },
    endSession: (sessionId) => {
      for (const [stream, id] of streams) if (id === sessionId) stream.end();
    },
  };
}
