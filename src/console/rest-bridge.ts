import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { apiError } from "../api/errors.js";

/** Response headers a console page needs from a REST answer; WWW-Authenticate is never among them. */
const PASSED_HEADERS = [
  "content-type",
  "content-range",
  "accept-ranges",
  "content-disposition",
  "retry-after",
] as const;
/** Request headers the REST routes read besides the body (Range for seeking in a recording). */
const FORWARDED_HEADERS = ["range"] as const;

/** A path below the bridge: plain segments only, so the target is exactly the route it looks like. */
const SUFFIX = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * The console's pages use Belay's REST API as it is, through this bridge: the session's account
 * is put into the path and into HTTP Basic credentials server-side, then the request runs through
 * Fastify in-process (inject), so every route keeps its own validation and its account check.
 * The browser never holds the API key.
 *
 * - `/console/api/rest/<path>` → `/apiserver/Accounts/<account>/<path>`
 * - `/console/api/belay/<path>` → `/belay/v1/<path>` (devices, scenarios)
 */
export function restBridge(api: FastifyInstance): void {
  const bridge =
    (prefix: (request: FastifyRequest) => string) => async (request: FastifyRequest, reply: FastifyReply) => {
      const suffix = (request.params as { "*": string })["*"];
      if (!SUFFIX.test(suffix)) throw apiError("INVALID_REQUEST", `"${suffix}" is not a REST path`);
      const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
      const { account } = request;
      const headers: Record<string, string> = {
        authorization: `Basic ${Buffer.from(`${account.accountId}:${account.apiKey}`).toString("base64")}`,
      };
      for (const name of FORWARDED_HEADERS) {
        const value = request.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const hasBody = request.body !== undefined && request.body !== null;
      if (hasBody) headers["content-type"] = "application/json";
      const answer = await api.inject({
        method: request.method as "GET",
        url: `${prefix(request)}/${suffix}${query}`,
        headers,
        ...(hasBody ? { payload: JSON.stringify(request.body) } : {}),
      });
      reply.status(answer.statusCode);
      for (const name of PASSED_HEADERS) {
        const value = answer.headers[name];
        if (value !== undefined) reply.header(name, value);
      }
      return reply.send(answer.rawPayload);
    };
  const options = { schema: { hide: true }, config: { public: true } };
  const methods: Array<"GET" | "POST" | "DELETE"> = ["GET", "POST", "DELETE"];
  api.route({
    method: methods,
    url: "/console/api/rest/*",
    ...options,
    handler: bridge((request) => `/apiserver/Accounts/${request.account.accountId}`),
  });
  api.route({ method: methods, url: "/console/api/belay/*", ...options, handler: bridge(() => "/belay/v1") });
}
