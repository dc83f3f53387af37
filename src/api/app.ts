import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Engine } from "../engine/engine.js";
import { isBelayError } from "../errors.js";
import type { BlobStore } from "../store/blob-store.js";
import type { AccountRow, Store } from "../store/types.js";
import { authenticate, requireSameAccount } from "./auth.js";
import { apiErrorStatus } from "./errors.js";
import { callRoutes } from "./routes/calls.js";
import { recordingRoutes } from "./routes/recordings.js";
import { virtualCallRoutes } from "./routes/virtual-calls.js";

export interface ApiDeps {
  store: Store;
  blobs: BlobStore;
  engine: Engine;
  logger: Logger;
  publicUrl: () => string;
}

declare module "fastify" {
  interface FastifyRequest {
    account: AccountRow;
  }
}

/** Belay's HTTP API: FreeClimb's paths under /apiserver, Belay's own under /belay. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const api = Fastify({
    // Request lines are info; the API logs only what went wrong.
    loggerInstance: deps.logger.child({ component: "api" }, { level: "warn" }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  api.decorateRequest("account", null as unknown as AccountRow);

  api.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/apiserver/") && !request.url.startsWith("/belay/")) return;
    request.account = await authenticate(request, deps.store);
    const params = /^\/apiserver\/Accounts\/([^/?]+)/.exec(request.url);
    if (params) requireSameAccount(request.account, decodeURIComponent(params[1] as string));
  });

  api.setErrorHandler((thrown, request, reply) => {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    const known = isBelayError(error) ? apiErrorStatus(error.code) : undefined;
    const status = known?.status ?? clientStatus(error) ?? 500;
    if (status === 401) reply.header("WWW-Authenticate", 'Basic realm="Belay"');
    if (status >= 500) request.log.error({ err: error, url: request.url }, "request failed");
    else request.log.info({ url: request.url, status, reason: error.message }, "request refused");
    const details = isBelayError(error) ? error.details : {};
    return reply.status(status).send({
      code: known?.code ?? (status === 413 ? 21 : status === 400 ? 20 : 0),
      message: status >= 500 ? "internal error" : error.message,
      url: request.url,
      details,
    });
  });

  api.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 4,
      message: `no such endpoint: ${request.method} ${request.url.split("?")[0]}`,
      url: request.url,
      details: {},
    }),
  );

  api.get("/healthz", async () => ({ ok: true, liveCalls: deps.engine.liveCount() }));
  await api.register(recordingRoutes(deps));
  await api.register(callRoutes(deps));
  await api.register(virtualCallRoutes(deps));
  return api;
}

/** Fastify's own client errors (bad JSON, body too large) keep their 4xx status. */
function clientStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: number }).statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}
