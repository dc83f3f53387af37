import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { logListSchema } from "../../contract/rest.js";
import type { CallLogFilter } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { type LogPosition, logEnvelope, logPageQuery, logPageSize, logPosition } from "../log-paging.js";
import { MAX_PQL_LENGTH, parsePql } from "../log-query.js";
import { presentLog } from "../present-log.js";
import { accountParams, errorResponses, idOf } from "../schemas.js";

const callParams = accountParams.extend({ callId: idOf("CA") });

/** FreeClimb's FilterLogsRequest. */
const filterBody = z.object({
  pql: z
    .string()
    .min(1, "must not be empty")
    .max(MAX_PQL_LENGTH, `must be at most ${MAX_PQL_LENGTH} characters`)
    .describe('PQL, e.g. level = "error" AND metadata.status >= 500 (docs/api/logs.md)'),
});

/** Call logs (docs/api/logs.md): an account's, filtered with PQL, and one call's. */
export const logsRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    async function listLogs(
      accountId: string,
      path: string,
      position: LogPosition,
      pageSize: number,
      filter: CallLogFilter,
    ) {
      const where = position.pql === undefined ? {} : { where: parsePql(position.pql) };
      const snapshot = position.snapshot === undefined ? {} : { upToSeq: position.snapshot };
      const result = await deps.store.callLogs.list(
        accountId,
        { ...filter, ...where, ...snapshot },
        { offset: position.offset, limit: pageSize },
      );
      return logEnvelope(result, position, pageSize, path, result.items.map(presentLog));
    }

    api.get(
      "/apiserver/Accounts/:accountId/Logs",
      {
        schema: {
          tags: ["Logs"],
          summary: "List the account's call logs, newest first",
          params: accountParams,
          querystring: logPageQuery,
          response: { 200: logListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const position = logPosition(request.query.cursor);
        return listLogs(accountId, `/Accounts/${accountId}/Logs`, position, logPageSize(request.query), {});
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/Logs",
      {
        schema: {
          tags: ["Logs"],
          summary: "Filter the account's call logs with PQL, newest first",
          params: accountParams,
          querystring: logPageQuery,
          body: filterBody,
          response: { 200: logListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        // A cursor in the query goes on from its place and snapshot; the body says what to keep.
        const position = { ...logPosition(request.query.cursor), pql: request.body.pql };
        return listLogs(accountId, `/Accounts/${accountId}/Logs`, position, logPageSize(request.query), {});
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Calls/:callId/Logs",
      {
        schema: {
          tags: ["Calls"],
          summary: "List a call's logs, newest first",
          params: callParams,
          querystring: logPageQuery,
          response: { 200: logListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const { callId } = request.params;
        if (!(await deps.store.calls.get(accountId, callId)))
          throw apiError("CALL_NOT_FOUND", `call ${callId} not found`);
        const position = logPosition(request.query.cursor);
        if (position.pql !== undefined) {
          throw apiError(
            "INVALID_REQUEST",
            '"cursor" belongs to a filtered account listing, not to a call\'s',
            {
              field: "cursor",
            },
          );
        }
        const path = `/Accounts/${accountId}/Calls/${callId}/Logs`;
        return listLogs(accountId, path, position, logPageSize(request.query), { callId });
      },
    );
  };
