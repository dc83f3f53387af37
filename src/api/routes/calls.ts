import type { FastifyPluginAsync } from "fastify";
import { isId } from "../../contract/ids.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentCall } from "../present.js";

/** Calls: list and get (making and hanging up calls comes with the REST API issue). */
export const callRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (api) => {
    api.get<{ Params: { accountId: string }; Querystring: Record<string, string> }>(
      "/apiserver/Accounts/:accountId/Calls",
      async (request) => {
        const page = pageRequest(request.query);
        const result = await deps.store.calls.list(request.account.accountId, {}, listOptions(page));
        const path = `/Accounts/${request.account.accountId}/Calls`;
        return envelope(result, page, path, "calls", result.items.map(presentCall));
      },
    );

    api.get<{ Params: { accountId: string; callId: string } }>(
      "/apiserver/Accounts/:accountId/Calls/:callId",
      async (request) => {
        const { callId } = request.params;
        if (!isId(callId, "CA"))
          throw apiError("INVALID_REQUEST", `"${callId}" is not a call id (CA + 40 hex)`, {
            field: "callId",
          });
        const row = await deps.store.calls.get(request.account.accountId, callId);
        if (!row) throw apiError("CALL_NOT_FOUND", `call ${callId} not found`);
        return presentCall(row);
      },
    );
  };
