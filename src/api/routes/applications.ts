import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId } from "../../contract/ids.js";
import { applicationListSchema, applicationResultSchema } from "../../contract/rest.js";
import type { ApplicationRow, Patch } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentApplication } from "../present-application.js";
import { accountParams, errorResponses, httpUrl, idOf, pageQuery } from "../schemas.js";

const applicationParams = accountParams.extend({ applicationId: idOf("AP") });

/** FreeClimb's ApplicationRequest: every field optional; a URL may be null (no URL). */
const url = () => httpUrl.nullable().optional();
export const applicationRequestSchema = z.object({
  alias: z.string().max(64, "must be at most 64 characters").nullable().optional(),
  voiceUrl: url(),
  voiceFallbackUrl: url(),
  callConnectUrl: url(),
  statusCallbackUrl: url(),
  smsUrl: url(),
  smsFallbackUrl: url(),
});
type ApplicationRequest = z.infer<typeof applicationRequestSchema>;

// A POST without a body (all fields omitted) is a valid request, as FreeClimb's are.
const requestBody = applicationRequestSchema.nullish();

const FIELDS = [
  "alias",
  "voiceUrl",
  "voiceFallbackUrl",
  "callConnectUrl",
  "statusCallbackUrl",
  "smsUrl",
  "smsFallbackUrl",
] as const;

/** The fields the request names; an omitted field is left as it is. */
function patchOf(body: ApplicationRequest | null | undefined): Patch<ApplicationRow> {
  const patch: Patch<ApplicationRow> = {};
  for (const field of FIELDS) if (body?.[field] !== undefined) patch[field] = body[field];
  return patch;
}

/** Applications: list, create, get, update, delete. */
export const applicationsRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const tags = ["Applications"];
    const notFound = (id: string) => apiError("APPLICATION_NOT_FOUND", `application ${id} not found`);

    api.get(
      "/apiserver/Accounts/:accountId/Applications",
      {
        schema: {
          tags,
          summary: "List applications, newest first",
          params: accountParams,
          querystring: pageQuery.extend({
            alias: z.string().max(64).optional().describe("only applications with exactly this alias"),
          }),
          response: { 200: applicationListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const { alias } = request.query;
        const filters = alias === undefined ? {} : { alias };
        const { accountId } = request.account;
        const result = await deps.store.applications.list(accountId, filters, listOptions(page));
        const path = `/Accounts/${accountId}/Applications`;
        return envelope(result, page, path, "applications", result.items.map(presentApplication), filters);
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/Applications",
      {
        schema: {
          tags,
          summary: "Create an application",
          params: accountParams,
          body: requestBody,
          response: { 201: applicationResultSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const patch = patchOf(request.body);
        const row = await deps.store.applications.create({
          applicationId: newId("AP"),
          accountId: request.account.accountId,
          alias: patch.alias ?? null,
          voiceUrl: patch.voiceUrl ?? null,
          voiceFallbackUrl: patch.voiceFallbackUrl ?? null,
          callConnectUrl: patch.callConnectUrl ?? null,
          statusCallbackUrl: patch.statusCallbackUrl ?? null,
          smsUrl: patch.smsUrl ?? null,
          smsFallbackUrl: patch.smsFallbackUrl ?? null,
        });
        return reply.status(201).send(presentApplication(row));
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Applications/:applicationId",
      {
        schema: {
          tags,
          summary: "Get an application",
          params: applicationParams,
          response: { 200: applicationResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { applicationId } = request.params;
        const row = await deps.store.applications.get(request.account.accountId, applicationId);
        if (!row) throw notFound(applicationId);
        return presentApplication(row);
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/Applications/:applicationId",
      {
        schema: {
          tags,
          summary: "Update an application: the fields given change, the others stay",
          params: applicationParams,
          body: requestBody,
          response: { 200: applicationResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { applicationId } = request.params;
        const row = await deps.store.applications.update(
          request.account.accountId,
          applicationId,
          patchOf(request.body),
        );
        if (!row) throw notFound(applicationId);
        return presentApplication(row);
      },
    );

    api.delete(
      "/apiserver/Accounts/:accountId/Applications/:applicationId",
      {
        schema: {
          tags,
          summary: "Delete an application; numbers routed to it are kept, with no application",
          params: applicationParams,
          response: { 204: z.null().describe("deleted"), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { applicationId } = request.params;
        const deleted = await deps.store.applications.delete(request.account.accountId, applicationId);
        if (!deleted) throw notFound(applicationId);
        return reply.status(204).send(null);
      },
    );
  };
