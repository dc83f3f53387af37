import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiErrorBodySchema, recordingListSchema, recordingResultSchema } from "../../contract/rest.js";
import type { RecordingFilter } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { findConference } from "../conference-lookup.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, type PageRequest, pageRequest } from "../paging.js";
import { presentRecording } from "../present.js";
import { sendRecordingAudio } from "../recording-audio.js";
import {
  callRecordingsQuery,
  conferenceRecordingsQuery,
  recordingFilter,
  recordingsQuery,
} from "../recording-query.js";
import { findLiveRecording } from "../recording-visibility.js";
import { accountParams, errorResponses, idOf } from "../schemas.js";

const recordingParams = accountParams.extend({ recordingId: idOf("RE") });
const callParams = accountParams.extend({ callId: idOf("CA") });
const conferenceParams = accountParams.extend({ conferenceId: idOf("CF") });
const wavResponse = z.any().describe("the recording, audio/wav: 16-bit PCM, mono, 8000 Hz");
const audioResponses = {
  200: wavResponse,
  206: wavResponse.describe("the bytes one Range asked for, with Content-Range"),
  ...errorResponses,
  416: apiErrorBodySchema.describe("the Range lies outside the file; Content-Range: bytes */size"),
};

/** Recordings: lists, metadata, delete, and the audio (Download and Stream, both with Range). */
export const recordingRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    const clock = deps.engine.deps.clock;
    const find = (accountId: string, recordingId: string) =>
      findLiveRecording({ store: deps.store, clock }, accountId, recordingId);

    async function listPage(
      accountId: string,
      filter: RecordingFilter,
      carried: Record<string, string | undefined>,
      page: PageRequest,
      path: string,
    ) {
      const result = await deps.store.recordings.list(
        accountId,
        { ...filter, liveAt: clock.now() },
        listOptions(page),
      );
      return envelope(result, page, path, "recordings", result.items.map(presentRecording), carried);
    }

    api.get(
      "/apiserver/Accounts/:accountId/Recordings",
      {
        schema: {
          tags: ["Recordings"],
          summary: "List recordings, newest first",
          description: "Filters: callId, conferenceId, dateCreated (a UTC day, YYYY-MM-DD).",
          params: accountParams,
          querystring: recordingsQuery,
          response: { 200: recordingListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const { filter, carried } = recordingFilter(request.query);
        const path = `/Accounts/${accountId}/Recordings`;
        return listPage(accountId, filter, carried, pageRequest(request.query), path);
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Calls/:callId/Recordings",
      {
        schema: {
          tags: ["Calls"],
          summary: "List a call's recordings, newest first",
          description: "Filter: dateCreated (a UTC day, YYYY-MM-DD).",
          params: callParams,
          querystring: callRecordingsQuery,
          response: { 200: recordingListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const { callId } = request.params;
        const page = pageRequest(request.query);
        if (!(await deps.store.calls.get(accountId, callId))) {
          throw apiError("CALL_NOT_FOUND", `call ${callId} not found`);
        }
        const { filter, carried } = recordingFilter({ dateCreated: request.query.dateCreated });
        const path = `/Accounts/${accountId}/Calls/${callId}/Recordings`;
        return listPage(accountId, { ...filter, callId }, carried, page, path);
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Conferences/:conferenceId/Recordings",
      {
        schema: {
          tags: ["Conferences"],
          summary: "List a conference's recordings, newest first",
          description: "Filters: callId, dateCreated (a UTC day, YYYY-MM-DD).",
          params: conferenceParams,
          querystring: conferenceRecordingsQuery,
          response: { 200: recordingListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const { conferenceId } = request.params;
        const page = pageRequest(request.query);
        await findConference(deps.store, accountId, conferenceId);
        const { filter, carried } = recordingFilter({
          callId: request.query.callId,
          dateCreated: request.query.dateCreated,
        });
        const path = `/Accounts/${accountId}/Conferences/${conferenceId}/Recordings`;
        return listPage(accountId, { ...filter, conferenceId }, carried, page, path);
      },
    );

    api.get(
      "/apiserver/Accounts/:accountId/Recordings/:recordingId",
      {
        schema: {
          tags: ["Recordings"],
          summary: "Get a recording's metadata",
          params: recordingParams,
          response: { 200: recordingResultSchema, ...errorResponses },
        },
      },
      async (request) => presentRecording(await find(request.account.accountId, request.params.recordingId)),
    );

    api.delete(
      "/apiserver/Accounts/:accountId/Recordings/:recordingId",
      {
        schema: {
          tags: ["Recordings"],
          summary: "Delete a recording: its file, then its metadata",
          params: recordingParams,
          response: { 204: z.null().describe("deleted"), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { accountId } = request.account;
        const row = await find(accountId, request.params.recordingId);
        // The file goes first: metadata left behind by a failed delete can be deleted again,
        // a file without metadata could not. A file already gone is no reason to keep metadata.
        await deps.blobs.delete(row.blobKey);
        await deps.store.recordings.delete(accountId, row.recordingId);
        return reply.code(204).send(null);
      },
    );

    for (const [route, disposition, summary] of [
      ["Download", "attachment", "Download a recording's audio (Range supported)"],
      ["Stream", "inline", "Stream a recording's audio, with HTTP Range support"],
    ] as const) {
      api.get(
        `/apiserver/Accounts/:accountId/Recordings/:recordingId/${route}`,
        {
          schema: {
            tags: ["Recordings"],
            summary,
            params: recordingParams,
            produces: ["audio/wav"],
            response: audioResponses,
          },
        },
        async (request, reply) => {
          const row = await find(request.account.accountId, request.params.recordingId);
          return sendRecordingAudio(deps.blobs, request, reply, row, disposition);
        },
      );
    }
  };
