import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { TimelineEvent } from "../../engine/timeline.js";
import { runVirtualCall } from "../../server/virtual-call.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";

const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, "must be an E.164 number such as +15550001111");
const url = z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" });

/** Belay extension (not a FreeClimb path): run a virtual call and stream its timeline as NDJSON. */
export const virtualCallBody = z.object({
  appUrl: url,
  statusUrl: url.optional(),
  from: e164,
  to: e164,
  /** The caller's voice: base64 of 8 kHz mono 16-bit little-endian PCM. */
  audio: z
    .base64()
    .refine(
      (text) => base64Length(text) % 2 === 0,
      "must hold whole 16-bit samples (an even number of bytes)",
    )
    .optional(),
  audioAtMs: z.number().int().min(0).optional(),
  dtmf: z
    .array(
      z.object({
        keys: z.string().regex(/^[0-9*#A-D]+$/, "keys are 0-9, *, # and A-D"),
        atMs: z.number().int().min(0),
      }),
    )
    .optional(),
  hangupAtMs: z.number().int().min(0).optional(),
  answerDelayMs: z.number().int().min(0).optional(),
  fast: z.boolean().default(false),
});
export type VirtualCallBody = z.input<typeof virtualCallBody>;

export const virtualCallRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (api) => {
    api.post("/belay/v1/virtual-calls", { bodyLimit: 64 * 1024 * 1024 }, async (request, reply) => {
      const parsed = virtualCallBody.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        // An issue about the body as a whole (not an object, unknown keys) has an empty path.
        const field = issue?.path.length ? issue.path.join(".") : "body";
        throw apiError("INVALID_REQUEST", `"${field}" ${issue?.message ?? "is invalid"}`, { field });
      }
      const body = parsed.data;
      const audio = body.audio === undefined ? undefined : pcmFromBase64(body.audio);
      reply.hijack();
      reply.raw.writeHead(200, { "Content-Type": "application/x-ndjson" });
      const write = (line: object) => reply.raw.write(`${JSON.stringify(line)}\n`);
      // A client that goes away (Ctrl-C on `belay call`) is a caller hanging up: without this a
      // real-time call would run on, unheard, until its script or maxDuration ended it.
      let callId: string | undefined;
      let abandoned = false;
      const hangUpAbandoned = () => {
        if (callId) deps.engine.get(callId)?.hangup("farEndHangup");
      };
      reply.raw.on("close", () => {
        if (reply.raw.writableFinished) return;
        abandoned = true;
        hangUpAbandoned();
      });
      const onEvent = (event: TimelineEvent) => {
        if (event.type === "started") {
          callId = event.callId;
          if (abandoned) hangUpAbandoned();
        }
        write(event);
      };
      try {
        const { outcome } = await runVirtualCall(
          deps.engine,
          {
            accountId: request.account.accountId,
            appUrl: body.appUrl,
            ...(body.statusUrl ? { statusUrl: body.statusUrl } : {}),
            from: body.from,
            to: body.to,
            fast: body.fast,
            script: {
              ...(audio ? { audio } : {}),
              ...(body.audioAtMs !== undefined ? { audioAtMs: body.audioAtMs } : {}),
              ...(body.dtmf ? { dtmf: body.dtmf } : {}),
              ...(body.hangupAtMs !== undefined ? { hangupAtMs: body.hangupAtMs } : {}),
              ...(body.answerDelayMs !== undefined ? { answerDelayMs: body.answerDelayMs } : {}),
            },
          },
          onEvent,
        );
        write({ type: "result", ...outcome });
      } catch (err) {
        request.log.error({ err }, "virtual call failed inside Belay");
        write({
          type: "result",
          callId: null,
          status: "failed",
          reason: "internalError",
          message: String(err),
        });
      } finally {
        reply.raw.end();
      }
    });
  };

/** Decoded byte count of valid base64 text, without decoding it. */
function base64Length(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

function pcmFromBase64(text: string): Int16Array {
  const bytes = Buffer.from(text, "base64");
  const pcm = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
  return pcm;
}
