import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { apiErrorStatus } from "../api/errors.js";
import { isBelayError } from "../errors.js";

/**
 * The console's errors: `{ message }` with an honest status, and never a `WWW-Authenticate`
 * header (a Basic challenge would make the browser pop up its own password prompt).
 */
export function consoleErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const at = { path: request.url.split("?")[0] };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0];
    const field = issue?.instancePath.replace(/^\//, "").replaceAll("/", ".") || "body";
    const message = `"${field}" ${issue?.message ?? "is invalid"}`;
    request.log.info({ ...at, reason: message }, "console request refused");
    return reply.status(400).send({ message });
  }
  const known = isBelayError(error) ? apiErrorStatus(error.code) : undefined;
  const client =
    typeof error.statusCode === "number" && error.statusCode < 500 ? error.statusCode : undefined;
  const status = known?.status ?? client ?? 500;
  if (status >= 500) {
    request.log.error({ err: error, ...at }, "console request failed");
    return reply.status(status).send({ message: "internal error" });
  }
  request.log.info({ ...at, status, reason: error.message }, "console request refused");
  return reply.status(status).send({ message: error.message });
}
