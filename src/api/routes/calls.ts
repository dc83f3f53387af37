import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { callListSchema, callResultSchema } from "../../contract/rest.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentCall } from "../present.js";
import { accountParams, errorResponses, idOf, pageQuery } from "../schemas.js";

const callParams = accountParams.extend({ callId: idOf("CA") });

/** Calls: list and get. */
export const callRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    api.get(
      "/apiserver/Accounts/:accountId/Calls",
      {
        schema: {
          tags: ["Calls"],
          summary: "List calls, newest first",
          params: accountParams,
          querystring: pageQuery,
          response: { 200: callListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const result = await deps.store.calls.list(request.account.accountId, {}, listOptions(page));
        const path = `/Accounts/${request.account.accountId}/Calls`;
        return envelope(result, page, path, "calls", result.items.map(presentCall));
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Calls/:callId",
      {
        schema: {
          tags: ["Calls"],
          summary: "Get a call",
          params: callParams,
          response: { 200: callResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { callId } = request.params;
        const row = await deps.store.calls.get(request.account.accountId, callId);
        if (!row) throw apiError("CALL_NOT_FOUND", `call ${callId} not found`);
        return presentCall(row);
      },
    );
  };
