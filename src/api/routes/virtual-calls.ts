import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { runVirtualCall } from "../../calls/virtual-call.js";
import type { TimelineEvent } from "../../engine/timeline.js";
import type { CallerScript } from "../../legs/virtual/script.js";
import type { ApiDeps } from "../app.js";
import { assertTakingCalls } from "../call-admission.js";
import { pcmAudio, pcmFromBase64 } from "../pcm-body.js";
import { callStartResponses, e164, httpUrl } from "../schemas.js";
import { routeVirtualCall } from "../virtual-call-routing.js";

/** Belay extension (not a FreeClimb path): run a virtual call and stream its timeline as NDJSON. */
export const virtualCallBody = z.object({
  /** The app's voice URL. Without it the call is routed like any inbound call: `to` → number → application. */
  appUrl: httpUrl.optional(),
  statusUrl: httpUrl.optional(),
  from: e164,
  to: e164,
  /** The caller's voice: base64 of 8 kHz mono 16-bit little-endian PCM. */
  audio: pcmAudio.optional(),
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

/** What the virtual caller does, from a virtual call's body and its decoded voice. */
export function callerScriptOf(
  body: Omit<z.output<typeof virtualCallBody>, "audio">,
  audio: Int16Array | undefined,
): CallerScript {
  return {
    ...(audio ? { audio } : {}),
    ...(body.audioAtMs !== undefined ? { audioAtMs: body.audioAtMs } : {}),
    ...(body.dtmf ? { dtmf: body.dtmf } : {}),
    ...(body.hangupAtMs !== undefined ? { hangupAtMs: body.hangupAtMs } : {}),
    ...(body.answerDelayMs !== undefined ? { answerDelayMs: body.answerDelayMs } : {}),
  };
}

export const virtualCallRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    api.post(
      "/belay/v1/virtual-calls",
      {
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags: ["Belay extensions"],
          summary: "Place a virtual inbound call and stream its timeline (NDJSON)",
          body: virtualCallBody,
          response: {
            200: z.any().describe("application/x-ndjson: one timeline event a line, then the result"),
            ...callStartResponses,
          },
        },
      },
      async (request, reply) => {
        assertTakingCalls(deps.disk);
        const body = request.body;
        const callRouting = await routeVirtualCall(deps, request.account.accountId, body);
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
              routing: callRouting,
              from: body.from,
              to: body.to,
              fast: body.fast,
              script: callerScriptOf(body, audio),
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
      },
    );
  };
