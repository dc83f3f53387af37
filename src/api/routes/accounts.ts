import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { accountResultSchema } from "../../contract/rest.js";
import type { AccountRow } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { presentAccount } from "../present-account.js";
import { accountParams, errorResponses } from "../schemas.js";

/** FreeClimb's AccountRequest: both fields optional; null clears one (a Belay leniency). */
const text = () => z.string().max(64, "must be at most 64 characters").nullable().optional();
const accountRequestSchema = z.object({ alias: text(), label: text() });

/** The account itself. The auth hook has loaded it and checked that the path names it. */
export const accountsRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    api.get(
      "/apiserver/Accounts/:accountId",
      {
        schema: {
          tags: ["Accounts"],
          summary: "Get the account",
          params: accountParams,
          response: { 200: accountResultSchema, ...errorResponses },
        },
      },
      async (request) => presentAccount(request.account),
    );

    api.post(
      "/apiserver/Accounts/:accountId",
      {
        schema: {
          tags: ["Accounts"],
          summary: "Update the account's alias and label (an omitted field is left as it is)",
          description:
            "FreeClimb documents 204 without a body; Belay answers 200 with the updated AccountResult, " +
            "which FreeClimb's SDKs and CLI accept as success.",
          params: accountParams,
          // A POST without a body (nothing to change) is valid, as FreeClimb's are.
          body: accountRequestSchema.nullish(),
          response: { 200: accountResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const patch: Partial<Pick<AccountRow, "alias" | "label">> = {};
        if (request.body?.alias !== undefined) patch.alias = request.body.alias;
        if (request.body?.label !== undefined) patch.label = request.body.label;
        // Only the account itself: the auth hook refused any other path with 403.
        const updated = await deps.store.accounts.update(request.account.accountId, patch);
        if (!updated) throw apiError("NOT_FOUND", `account ${request.account.accountId} not found`);
        return presentAccount(updated);
      },
    );
  };
