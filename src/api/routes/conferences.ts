import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  apiErrorBodySchema,
  CONFERENCE_STATUSES,
  conferenceListSchema,
  conferenceResultSchema,
  PLAY_BEEPS,
} from "../../contract/rest.js";
import type { ConferenceFilter, PlayBeep } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import {
  conferenceParams,
  findChangeableConference,
  findConference,
  liveConferences,
  settled,
} from "../conference-lookup.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentConference } from "../present-conference.js";
import { DAY_MS, utcDay, utcDayStart } from "../recording-query.js";
import { accountParams, errorResponses, httpUrl, pageQuery } from "../schemas.js";

const alias = z.string().max(64, "must be at most 64 characters");

/** FreeClimb's CreateConferenceRequest: statusCallbackUrl is required, the rest has defaults. */
const createBody = z.object({
  alias: alias.nullish(),
  playBeep: z.enum(PLAY_BEEPS).nullish(),
  record: z.boolean().nullish(),
  waitUrl: httpUrl.nullish(),
  statusCallbackUrl: httpUrl,
});

/** FreeClimb's UpdateConferenceRequest. A POST without a body changes nothing. */
const updateBody = z
  .object({
    alias: alias.optional(),
    playBeep: z.enum(PLAY_BEEPS).optional(),
    status: z.enum(["empty", "terminated"]).optional(),
  })
  .nullish();

const listQuery = pageQuery.extend({
  status: z.enum(CONFERENCE_STATUSES).optional(),
  alias: z.string().max(256).optional().describe("only conferences with exactly this alias"),
  dateCreated: utcDay.optional().describe("created on this UTC day, YYYY-MM-DD"),
  dateUpdated: utcDay.optional().describe("last updated on this UTC day, YYYY-MM-DD"),
});

const changeResponses = {
  ...errorResponses,
  409: apiErrorBodySchema.describe("the conference has terminated: it can no longer change"),
  503: apiErrorBodySchema.describe("this Belay runs without a conference engine"),
} as const;

/** Conferences: create, list with FreeClimb's filters, get, update (terminate included). */
export const conferenceRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const tags = ["Conferences"];

    api.post(
      "/apiserver/Accounts/:accountId/Conferences",
      {
        schema: {
          tags,
          summary: "Create an empty conference",
          params: accountParams,
          body: createBody,
          response: { 200: conferenceResultSchema, ...changeResponses },
        },
      },
      async (request) => {
        const control = liveConferences(deps.conferences);
        const body = request.body;
        const row = await control.create({
          accountId: request.account.accountId,
          alias: body.alias ?? null,
          playBeep: body.playBeep ?? "always",
          record: body.record ?? false,
          waitUrl: body.waitUrl ?? null,
          statusCallbackUrl: body.statusCallbackUrl,
        });
        return presentConference(row);
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Conferences",
      {
        schema: {
          tags,
          summary: "List conferences, newest first",
          description: "Filters: status, alias (exact), dateCreated and dateUpdated (a UTC day, YYYY-MM-DD).",
          params: accountParams,
          querystring: listQuery,
          response: { 200: conferenceListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const { status, alias, dateCreated, dateUpdated } = request.query;
        const filter: ConferenceFilter = {};
        if (status !== undefined) filter.status = status;
        if (alias !== undefined) filter.alias = alias;
        if (dateCreated !== undefined) {
          filter.createdFrom = utcDayStart(dateCreated) as number;
          filter.createdTo = filter.createdFrom + DAY_MS;
        }
        if (dateUpdated !== undefined) {
          filter.updatedFrom = utcDayStart(dateUpdated) as number;
          filter.updatedTo = filter.updatedFrom + DAY_MS;
        }
        const { accountId } = request.account;
        const result = await deps.store.conferences.list(accountId, filter, listOptions(page));
        const path = `/Accounts/${accountId}/Conferences`;
        return envelope(result, page, path, "conferences", result.items.map(presentConference), {
          status,
          alias,
          dateCreated,
          dateUpdated,
        });
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Conferences/:conferenceId",
      {
        schema: {
          tags,
          summary: "Get a conference",
          params: conferenceParams,
          response: { 200: conferenceResultSchema, ...errorResponses },
        },
      },
      async (request) =>
        presentConference(
          await findConference(deps.store, request.account.accountId, request.params.conferenceId),
        ),
    );

    api.post(
      "/apiserver/Accounts/:accountId/Conferences/:conferenceId",
      {
        schema: {
          tags,
          summary:
            'Update a conference: alias, playBeep; status "empty" removes everyone, "terminated" ends it',
          params: conferenceParams,
          body: updateBody,
          response: { 204: z.null().describe("updated"), ...changeResponses },
        },
      },
      async (request, reply) => {
        const control = liveConferences(deps.conferences);
        const { accountId } = request.account;
        const { conferenceId } = request.params;
        await findChangeableConference(deps.store, accountId, conferenceId);
        const patch: { alias?: string; playBeep?: PlayBeep; status?: "empty" | "terminated" } = {};
        if (request.body?.alias !== undefined) patch.alias = request.body.alias;
        if (request.body?.playBeep !== undefined) patch.playBeep = request.body.playBeep;
        if (request.body?.status !== undefined) patch.status = request.body.status;
        // Nothing asked, nothing changed: no revision is spent on an empty update.
        if (Object.keys(patch).length > 0)
          settled(await control.update(accountId, conferenceId, patch), "CONFERENCE_NOT_FOUND", conferenceId);
        return reply.code(204).send(null);
      },
    );
  };
