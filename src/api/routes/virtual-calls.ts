import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
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
  audio: z.base64().optional(),
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
        const field = issue?.path.join(".") ?? "";
        throw apiError("INVALID_REQUEST", `"${field}" ${issue?.message ?? "is invalid"}`, { field });
      }
      const body = parsed.data;
      const audio = body.audio === undefined ? undefined : pcmFromBase64(body.audio);
      reply.hijack();
      reply.raw.writeHead(200, { "Content-Type": "application/x-ndjson" });
      const write = (line: object) => reply.raw.write(`${JSON.stringify(line)}\n`);
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
            },
          },
          write,
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

function pcmFromBase64(text: string): Int16Array {
  const bytes = Buffer.from(text, "base64");
  const pcm = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
  return pcm;
}
