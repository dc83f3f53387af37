import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordingListSchema, recordingResultSchema } from "../../contract/rest.js";
import type { RecordingRow } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentRecording } from "../present.js";
import { accountParams, errorResponses, idOf, pageQuery } from "../schemas.js";

const recordingParams = accountParams.extend({ recordingId: idOf("RE") });
const wavResponse = z.any().describe("the recording, audio/wav: 16-bit PCM, mono, 8000 Hz");

/** Recordings: list, metadata, and the audio itself. */
export const recordingRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    async function find(accountId: string, recordingId: string): Promise<RecordingRow> {
      const row = await deps.store.recordings.get(accountId, recordingId);
      if (!row) throw apiError("RECORDING_NOT_FOUND", `recording ${recordingId} not found`);
      return row;
    }

    api.get(
      "/apiserver/Accounts/:accountId/Recordings",
      {
        schema: {
          tags: ["Recordings"],
          summary: "List recordings, newest first",
          params: accountParams,
          querystring: pageQuery.extend({ callId: idOf("CA").optional() }),
          response: { 200: recordingListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const { callId } = request.query;
        const filters: { callId?: string } = callId ? { callId } : {};
        const result = await deps.store.recordings.list(
          request.account.accountId,
          filters,
          listOptions(page),
        );
        const path = `/Accounts/${request.account.accountId}/Recordings`;
        return envelope(result, page, path, "recordings", result.items.map(presentRecording), filters);
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

    api.get(
      "/apiserver/Accounts/:accountId/Recordings/:recordingId/Download",
      {
        schema: {
          tags: ["Recordings"],
          summary: "Download a recording's audio",
          params: recordingParams,
          produces: ["audio/wav"],
          response: { 200: wavResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        const row = await find(request.account.accountId, request.params.recordingId);
        const stream = await deps.blobs.read(row.blobKey);
        return reply
          .header("Content-Type", "audio/wav")
          .header("Content-Length", String(row.sizeBytes))
          .header("Content-Disposition", `attachment; filename="${row.recordingId}.wav"`)
          .send(stream);
      },
    );
  };
