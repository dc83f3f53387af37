import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../api/app.js";
import { assertTakingCalls } from "../api/call-admission.js";
import { apiError } from "../api/errors.js";
import { callerScriptOf, virtualCallBody } from "../api/routes/virtual-calls.js";
import { routeVirtualCall } from "../api/virtual-call-routing.js";
import { runVirtualCall } from "../calls/virtual-call.js";
import { isBelayError } from "../errors.js";
import { readWav } from "../media/wav-read.js";

/** /belay/v1/virtual-calls' body, but the caller's voice is a WAV file as uploaded (any common format). */
const consoleCallBody = virtualCallBody.omit({ audio: true }).extend({
  wav: z
    .base64("must be base64 of a WAV file")
    .max(64 * 1024 * 1024)
    .optional(),
});

/**
 * Places a virtual call for the page and answers with its id as soon as it starts; the call runs
 * on, and the page watches its timeline on the event stream (the NDJSON route would hold the
 * answer until the call ends).
 */
export function virtualCallRoute(plain: FastifyInstance, deps: ApiDeps): void {
  const api = plain.withTypeProvider<ZodTypeProvider>();
  api.post(
    "/console/api/virtual-calls",
    { bodyLimit: 96 * 1024 * 1024, schema: { hide: true, body: consoleCallBody }, config: { public: true } },
    async (request) => {
      assertTakingCalls(deps.disk);
      const body = request.body;
      const audio = body.wav === undefined ? undefined : wavToPcm(body.wav);
      const routing = await routeVirtualCall(deps, request.account.accountId, body);
      const callId = await new Promise<string>((resolve, reject) => {
        runVirtualCall(
          deps.engine,
          {
            routing,
            from: body.from,
            to: body.to,
            fast: body.fast,
            script: callerScriptOf(body, audio),
          },
          (event) => {
            if (event.type === "started") resolve(event.callId);
          },
        ).then(
          ({ outcome }) => resolve(outcome.callId),
          (err: unknown) => {
            request.log.error({ err }, "console virtual call failed inside Belay");
            reject(err);
          },
        );
      });
      return { callId };
    },
  );
}

function wavToPcm(base64: string): Int16Array {
  try {
    return readWav(Buffer.from(base64, "base64")).pcm8k;
  } catch (err) {
    if (isBelayError(err))
      throw apiError("INVALID_REQUEST", `the WAV file: ${err.message}`, { field: "wav" });
    throw err;
  }
}
