import type { FastifyReply, FastifyRequest } from "fastify";
import { isBelayError } from "../errors.js";
import type { BlobReader, BlobStore } from "../store/blob-store.js";
import type { RecordingRow } from "../store/types.js";
import { apiError } from "./errors.js";
import { ifRangeHolds, resolveRange } from "./recording-range.js";
import { recordingNotFound } from "./recording-visibility.js";

/**
 * Sends a recording's WAV: 200 whole, 206 for one `Range`, 416 when the range misses the file.
 * The file is opened first so the size in the headers is the size streamed; its bytes are streamed
 * from disk, never read whole. `attachment` (Download, links) asks browsers to save it; `inline`
 * (Stream) to play it.
 */
export async function sendRecordingAudio(
  blobs: BlobStore,
  request: FastifyRequest,
  reply: FastifyReply,
  row: RecordingRow,
  disposition: "attachment" | "inline",
): Promise<FastifyReply> {
  const reader = await openRecording(blobs, row);
  try {
    // Recordings never change once stored, so the id and size make a strong validator.
    const etag = `"${row.recordingId}-${reader.size}"`;
    const answer = ifRangeHolds(request.headers["if-range"], etag)
      ? resolveRange(request.headers.range, reader.size)
      : ({ kind: "whole" } as const);
    reply.header("Accept-Ranges", "bytes");
    if (answer.kind === "unsatisfiable") {
      await reader.close();
      reply.header("Content-Range", `bytes */${reader.size}`);
      throw apiError(
        "RANGE_NOT_SATISFIABLE",
        `the range ${String(request.headers.range).slice(0, 100)} lies outside the recording's ${reader.size} bytes`,
        { size: reader.size },
      );
    }
    reply
      .header("Content-Type", "audio/wav")
      .header("ETag", etag)
      .header("Cache-Control", "private")
      .header("Content-Disposition", `${disposition}; filename="${row.recordingId}.wav"`);
    if (answer.kind === "whole") {
      return reply.header("Content-Length", String(reader.size)).send(reader.stream());
    }
    const { start, end } = answer.range;
    return reply
      .code(206)
      .header("Content-Range", `bytes ${start}-${end}/${reader.size}`)
      .header("Content-Length", String(end - start + 1))
      .send(reader.stream(answer.range));
  } catch (err) {
    await reader.close();
    throw err;
  }
}

/** A file missing under live metadata was deleted a moment ago (DELETE, the sweeper): 404 as well. */
async function openRecording(blobs: BlobStore, row: RecordingRow): Promise<BlobReader> {
  try {
    return await blobs.open(row.blobKey);
  } catch (err) {
    if (isBelayError(err, "BLOB_NOT_FOUND")) throw recordingNotFound(row.recordingId);
    throw err;
  }
}
