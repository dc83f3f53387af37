import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Engine } from "../engine/engine.js";
import { type BelayError, isBelayError } from "../errors.js";
import type { DiskGuard } from "../server/disk-guard.js";
import type { OutboundSip } from "../server/outbound-call.js";
import type { BlobStore } from "../store/blob-store.js";
import type { AccountRow, Store } from "../store/types.js";
import { authenticate, requireSameAccount } from "./auth.js";
import { apiError, apiErrorStatus } from "./errors.js";
import { registerOpenApi } from "./openapi.js";
import { accountsRoutes } from "./routes/accounts.js";
import { applicationsRoutes } from "./routes/applications.js";
import { callRoutes } from "./routes/calls.js";
import { devicesRoutes } from "./routes/devices.js";
import { numbersRoutes } from "./routes/numbers.js";
import { recordingLinksRoutes } from "./routes/recording-links.js";
import { recordingRoutes } from "./routes/recordings.js";
import { virtualCallRoutes } from "./routes/virtual-calls.js";

export interface ApiDeps {
  store: Store;
  blobs: BlobStore;
  engine: Engine;
  logger: Logger;
  publicUrl: () => string;
  /** POST /Calls dials non-device numbers here when SIP outbound is configured. */
  sip?: OutboundSip | undefined;
  /** Free disk space against --min-free-disk; undefined when that is off. */
  disk?: DiskGuard | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    account: AccountRow;
  }
  interface FastifyContextConfig {
    /** Served without Basic auth. */
    public?: boolean;
  }
}

/** Belay's HTTP API: FreeClimb's paths under /apiserver, Belay's own under /belay. */
export async function buildApi(
  deps: ApiDeps,
  https?: { cert: Buffer; key: Buffer },
): Promise<FastifyInstance> {
  // Fastify types an HTTPS instance apart; Belay uses only what both share.
  const api = Fastify({
    ...(https ? { https } : {}),
    // Request lines are info; the API logs only what went wrong.
    loggerInstance: deps.logger.child({ component: "api" }, { level: "warn" }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  api.decorateRequest("account", null as unknown as AccountRow);
  // Routes declare zod schemas: Fastify validates requests and responses with them, and the
  // OpenAPI document at /apiserver/openapi.json is generated from the same schemas.
  api.setValidatorCompiler(validatorCompiler);
  api.setSerializerCompiler(serializerCompiler);

  api.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/apiserver/") && !request.url.startsWith("/belay/")) return;
    // A route marked `config: { public: true }` checks its own credential (a signed link) or
    // holds no account data (the OpenAPI document).
    if (request.routeOptions.config?.public === true) return;
    request.account = await authenticate(request, deps.store);
    const params = /^\/apiserver\/Accounts\/([^/?]+)/.exec(request.url);
    if (params) requireSameAccount(request.account, decodeURIComponent(params[1] as string));
  });

  api.setErrorHandler((thrown, request, reply) => {
    const error = hasZodFastifySchemaValidationErrors(thrown)
      ? invalidRequest(thrown)
      : thrown instanceof Error
        ? thrown
        : new Error(String(thrown));
    const known = isBelayError(error) ? apiErrorStatus(error.code) : undefined;
    const status = known?.status ?? clientStatus(error) ?? 500;
    if (status === 401) reply.header("WWW-Authenticate", 'Basic realm="Belay"');
    const retryAfter = isBelayError(error) ? error.details.retryAfterSec : undefined;
    if (status === 503 && typeof retryAfter === "number") reply.header("Retry-After", String(retryAfter));
    // A public route's query can hold its credential (a signed link's signature): never logged.
    const url = request.routeOptions.config?.public === true ? request.url.split("?")[0] : request.url;
    // 503 is Belay turning work away on purpose (a low disk): its message is the answer, not a fault.
    const fault = status >= 500 && status !== 503;
    if (fault) request.log.error({ err: error, url }, "request failed");
    else request.log.info({ url, status, reason: error.message }, "request refused");
    const details = isBelayError(error) ? error.details : {};
    return reply.status(status).send({
      code: known?.code ?? (status === 413 ? 21 : status === 400 ? 20 : 0),
      message: fault ? "internal error" : error.message,
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

  await registerOpenApi(api);
  // 503 while new calls are refused, so a load balancer sends callers elsewhere; the body says why.
  api.get("/healthz", { schema: { hide: true } }, async (_request, reply) => {
    const refusal = deps.disk?.refusal();
    const disk = deps.disk ? { disk: deps.disk.health() } : {};
    if (refusal) {
      reply.header("Retry-After", String(refusal.retryAfterSec));
      return reply.status(503).send({
        ok: false,
        acceptingCalls: false,
        reason: "diskSpaceLow",
        message: refusal.message,
        liveCalls: deps.engine.liveCount(),
        ...disk,
      });
    }
    return {
      ok: true,
      liveCalls: deps.engine.liveCount(),
      ...(deps.disk ? { acceptingCalls: true } : {}),
      ...disk,
    };
  });
  await api.register(accountsRoutes(deps));
  await api.register(applicationsRoutes(deps));
  await api.register(numbersRoutes(deps));
  await api.register(recordingRoutes(deps));
  await api.register(recordingLinksRoutes(deps));
  await api.register(callRoutes(deps));
  await api.register(devicesRoutes(deps));
  await api.register(virtualCallRoutes(deps));
  return api;
}

/** A request that failed its route's schema → 400 naming the first bad field, e.g. `"to" must be…`. */
function invalidRequest(error: {
  validation: Array<{
    instancePath: string;
    keyword: string;
    message?: string;
    params: Record<string, unknown>;
  }>;
  validationContext?: string;
}): BelayError {
  const issue = error.validation[0];
  const path = issue?.instancePath.replace(/^\//, "").replaceAll("/", ".") ?? "";
  const field = path || (error.validationContext ?? "body");
  return apiError("INVALID_REQUEST", `"${field}" ${issue ? describeIssue(issue) : "is invalid"}`, { field });
}

/** zod's "Invalid input: expected string, received undefined" → "is required" / "must be a string". */
function describeIssue(issue: {
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}): string {
  if (issue.keyword !== "invalid_type") return issue.message ?? "is invalid";
  if (issue.message?.endsWith("received undefined")) return "is required";
  return `must be ${issue.params.expected === "object" ? "an object" : `a ${String(issue.params.expected)}`}`;
}

/** Fastify's own client errors (bad JSON, body too large) keep their 4xx status. */
function clientStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: number }).statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}
