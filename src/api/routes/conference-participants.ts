import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiErrorBodySchema, participantListSchema, participantResultSchema } from "../../contract/rest.js";
import type { ParticipantFilter } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import {
  conferenceParams,
  findChangeableConference,
  findConference,
  findParticipant,
  liveConferences,
  participantParams,
  settled,
} from "../conference-lookup.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentParticipant } from "../present-conference.js";
import { errorResponses, pageQuery, queryBoolean } from "../schemas.js";

/** FreeClimb's UpdateConferenceParticipantRequest: booleans only. A POST without a body changes nothing. */
const updateBody = z
  .object({
    talk: z.boolean().optional(),
    listen: z.boolean().optional(),
    dtmfPassThrough: z.boolean().optional(),
  })
  .nullish();

const listQuery = pageQuery.extend({
  talk: queryBoolean.optional(),
  listen: queryBoolean.optional(),
  dtmfPassThrough: queryBoolean.optional(),
});

const changeResponses = {
  ...errorResponses,
  409: apiErrorBodySchema.describe("the conference has terminated: it can no longer change"),
  503: apiErrorBodySchema.describe("this Belay runs without a conference engine"),
} as const;

const FLAGS = ["talk", "listen", "dtmfPassThrough"] as const;

/** A conference's participants: list with FreeClimb's filters, get, update talk/listen, remove. */
export const conferenceParticipantRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const tags = ["Conferences"];

    api.get(
      "/apiserver/Accounts/:accountId/Conferences/:conferenceId/Participants",
      {
        schema: {
          tags,
          summary: "List a conference's participants, newest first",
          description: "Filters: talk, listen, dtmfPassThrough (true or false).",
          params: conferenceParams,
          querystring: listQuery,
          response: { 200: participantListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const { accountId } = request.account;
        const { conferenceId } = request.params;
        await findConference(deps.store, accountId, conferenceId);
        const filter: ParticipantFilter = {};
        const carried: Record<string, string | undefined> = {};
        for (const flag of FLAGS) {
          const value = request.query[flag];
          if (value === undefined) continue;
          filter[flag] = value;
          carried[flag] = String(value);
        }
        const result = await deps.store.participants.list(accountId, conferenceId, filter, listOptions(page));
        const path = `/Accounts/${accountId}/Conferences/${conferenceId}/Participants`;
        return envelope(result, page, path, "participants", result.items.map(presentParticipant), carried);
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Conferences/:conferenceId/Participants/:callId",
      {
        schema: {
          tags,
          summary: "Get a participant",
          params: participantParams,
          response: { 200: participantResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const { conferenceId, callId } = request.params;
        await findConference(deps.store, accountId, conferenceId);
        return presentParticipant(await findParticipant(deps.store, accountId, conferenceId, callId));
      },
    );

    api.post(
      "/apiserver/Accounts/:accountId/Conferences/:conferenceId/Participants/:callId",
      {
        schema: {
          tags,
          summary: "Update a participant: talk, listen, dtmfPassThrough",
          params: participantParams,
          body: updateBody,
          response: { 200: participantResultSchema, ...changeResponses },
        },
      },
      async (request) => {
        const control = liveConferences(deps.conferences);
        const { accountId } = request.account;
        const { conferenceId, callId } = request.params;
        await findChangeableConference(deps.store, accountId, conferenceId);
        const current = await findParticipant(deps.store, accountId, conferenceId, callId);
        const patch: { talk?: boolean; listen?: boolean; dtmfPassThrough?: boolean } = {};
        for (const flag of FLAGS) {
          const value = request.body?.[flag];
          if (value !== undefined) patch[flag] = value;
        }
        // Nothing asked, nothing changed: the participant as it is, revision unchanged.
        if (Object.keys(patch).length === 0) return presentParticipant(current);
        const change = await control.updateParticipant(accountId, conferenceId, callId, patch);
        return presentParticipant(settled(change, "PARTICIPANT_NOT_FOUND", conferenceId));
      },
    );

    api.delete(
      "/apiserver/Accounts/:accountId/Conferences/:conferenceId/Participants/:callId",
      {
        schema: {
          tags,
          summary: "Remove a participant from the conference (its call goes on)",
          params: participantParams,
          response: { 204: z.null().describe("removed"), ...changeResponses },
        },
      },
      async (request, reply) => {
        const control = liveConferences(deps.conferences);
        const { accountId } = request.account;
        const { conferenceId, callId } = request.params;
        await findChangeableConference(deps.store, accountId, conferenceId);
        await findParticipant(deps.store, accountId, conferenceId, callId);
        const change = await control.removeParticipant(accountId, conferenceId, callId);
        settled(change, "PARTICIPANT_NOT_FOUND", conferenceId);
        return reply.code(204).send(null);
      },
    );
  };
