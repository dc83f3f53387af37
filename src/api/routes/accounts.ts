import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { accountResultSchema } from "../../contract/rest.js";
import type { ApiDeps } from "../app.js";
import { presentAccount } from "../present-account.js";
import { accountParams, errorResponses } from "../schemas.js";

/** The account itself. The auth hook has loaded it and checked that the path names it. */
export const accountsRoutes =
  (_deps: ApiDeps): FastifyPluginAsync =>
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
  };
