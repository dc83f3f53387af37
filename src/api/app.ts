import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { CallAdmission } from "../calls/admission.js";
import type { ConferenceControl } from "../calls/conference-control.js";
import type { OutboundSip } from "../calls/outbound-call.js";
import type { QueueControl } from "../calls/queue-control.js";
import type { Engine } from "../engine/engine.js";
import { type BelayError, isBelayError } from "../errors.js";
import type { BlobStore } from "../store/blob-store.js";
import type { AccountRow, Store } from "../store/types.js";
import { apiError, apiErrorStatus } from "./errors.js";
import { registerOpenApi } from "./openapi.js";
import { guardRoutes } from "./route-auth.js";
import { accountsRoutes } from "./routes/accounts.js";
import { applicationsRoutes } from "./routes/applications.js";
import { callRoutes } from "./routes/calls.js";
import { conferenceParticipantRoutes } from "./routes/conference-participants.js";
import { conferenceRoutes } from "./routes/conferences.js";
import { devicesRoutes } from "./routes/devices.js";
import { logsRoutes } from "./routes/logs.js";
import { numbersRoutes } from "./routes/numbers.js";
import { queueMemberRoutes } from "./routes/queue-members.js";
import { queueRoutes } from "./routes/queues.js";
import { recordingLinksRoutes } from "./routes/recording-links.js";
import { recordingRoutes } from "./routes/recordings.js";
import { scenarioRoutes } from "./routes/scenarios.js";
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
  disk?: CallAdmission | undefined;
  /** The live conference engine: creating and changing conferences; without it those answer 503. */
  conferences?: ConferenceControl | undefined;
  /** The live queue engine: members and currentSize; without it member routes answer 503. */
  queues?: QueueControl | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    account: AccountRow;
  }
  interface FastifyContextConfig {
    /** Served without Basic auth (see route-auth.ts); every other route takes it. */
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
    routerOptions: EXACT_ROUTING,
    frameworkErrors: frameworkError,
  });
  api.decorateRequest("account", null as unknown as AccountRow);
  // Routes declare zod schemas: Fastify validates requests and responses with them, and the
  // OpenAPI document at /apiserver/openapi.json is generated from the same schemas.
  api.setValidatorCompiler(validatorCompiler);
  api.setSerializerCompiler(serializerCompiler);

  guardRoutes(api, deps.store);

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
    // The path and the route, never the query: it can hold a credential (a signed link's
    // signature, or a key a client put there by mistake).
    const at = { path: request.url.split("?")[0], route: request.routeOptions.url };
    // 503 is Belay turning work away on purpose (a low disk): its message is the answer, not a fault.
    const fault = status >= 500 && status !== 503;
    if (fault) request.log.error({ err: error, ...at }, "request failed");
    else request.log.info({ ...at, status, reason: error.message }, "request refused");
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
  api.get("/healthz", { schema: { hide: true }, config: { public: true } }, async (_request, reply) => {
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
  await api.register(logsRoutes(deps));
  await api.register(devicesRoutes(deps));
  await api.register(virtualCallRoutes(deps));
  await api.register(scenarioRoutes(deps));
  await api.register(conferenceRoutes(deps));
  await api.register(conferenceParticipantRoutes(deps));
  await api.register(queueRoutes(deps));
  await api.register(queueMemberRoutes(deps));
  return api;
}

/**
 * Fastify's defaults, spelled out: one spelling of a path per route. Authentication follows the
 * route matched whatever these say, but each loosening adds spellings to review. (A variable, as
 * Fastify's types do not list useSemicolonDelimiter under routerOptions, though it reads it there.)
 */
const EXACT_ROUTING = {
  caseSensitive: true,
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  useSemicolonDelimiter: false,
};

/** A path Fastify cannot decode (`%zz`) gets FreeClimb's error body, as every other 400 does. */
function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = clientStatus(error) ?? 400;
  reply
    .status(status)
    .send({ code: status === 400 ? 20 : 0, message: error.message, url: request.url, details: {} });
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
  const expected = String(issue.params.expected);
  if (expected === "int") return "must be a whole number";
  return `must be ${expected === "object" ? "an object" : `a ${expected}`}`;
}

/** Fastify's own client errors (bad JSON, body too large) keep their 4xx status. */
function clientStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: number }).statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}
