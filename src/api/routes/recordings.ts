import type { FastifyPluginAsync } from "fastify";
import { isId } from "../../contract/ids.js";
import type { RecordingRow } from "../../store/types.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { presentRecording } from "../present.js";

type RecordingParams = { accountId: string; recordingId: string };

/** Recordings: list, metadata, and the audio itself (Download, and Stream with Range). */
export const recordingRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (api) => {
    async function find(params: RecordingParams): Promise<RecordingRow> {
      if (!isId(params.recordingId, "RE")) {
        throw apiError("INVALID_REQUEST", `"${params.recordingId}" is not a recording id (RE + 40 hex)`, {
          field: "recordingId",
        });
      }
      const row = await deps.store.recordings.get(params.accountId, params.recordingId);
      if (!row) throw apiError("RECORDING_NOT_FOUND", `recording ${params.recordingId} not found`);
      return row;
    }

    api.get<{ Params: { accountId: string }; Querystring: Record<string, string> }>(
      "/apiserver/Accounts/:accountId/Recordings",
      async (request) => {
        const page = pageRequest(request.query);
        const callId = request.query.callId;
        if (callId !== undefined && !isId(callId, "CA"))
          throw apiError("INVALID_REQUEST", `"callId" is not a call id`, { field: "callId" });
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

    api.get<{ Params: RecordingParams }>(
      "/apiserver/Accounts/:accountId/Recordings/:recordingId",
      async (request) => presentRecording(await find(request.params)),
    );

    api.get<{ Params: RecordingParams }>(
      "/apiserver/Accounts/:accountId/Recordings/:recordingId/Download",
      async (request, reply) => {
        const row = await find(request.params);
        const stream = await deps.blobs.read(row.blobKey);
        return reply
          .header("Content-Type", "audio/wav")
          .header("Content-Length", String(row.sizeBytes))
          .header("Content-Disposition", `attachment; filename="${row.recordingId}.wav"`)
          .send(stream);
      },
    );
  };
