import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { saveDeviceAudio } from "../../calls/device-audio.js";
import type { ApiDeps } from "../app.js";
import { deviceParams, deviceSchema, deviceUpdateBody } from "../device-schemas.js";
import { apiError } from "../errors.js";
import { pcmFromBase64 } from "../pcm-body.js";
import { presentDevice } from "../present.js";
import { errorResponses } from "../schemas.js";

/**
 * POST /belay/v1/devices/{phoneNumber} (Belay extension): change a virtual device in place. A
 * new voice goes to a fresh blob first; the old one is removed once the row no longer names it
 * (a call already placed holds its audio in memory).
 */
export const deviceUpdateRoute =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    plain.withTypeProvider<ZodTypeProvider>().post(
      "/belay/v1/devices/:phoneNumber",
      {
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags: ["Belay extensions"],
          summary: "Change a virtual device (the fields given; the rest stay)",
          params: deviceParams,
          // A POST without a body changes nothing, as FreeClimb's updates allow.
          body: deviceUpdateBody.nullish(),
          response: { 200: deviceSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.account;
        const { phoneNumber } = request.params;
        const notFound = () => apiError("DEVICE_NOT_FOUND", `no device ${phoneNumber} in this account`);
        const before = await deps.store.devices.get(accountId, phoneNumber);
        if (!before) throw notFound();
        const { audio, ...fields } = request.body ?? {};
        const pcm = audio === undefined ? undefined : pcmFromBase64(audio);
        const audioBlobKey = pcm?.length
          ? await saveDeviceAudio(deps.blobs, accountId, phoneNumber, pcm)
          : null;
        const voice = pcm === undefined ? {} : { audioBlobKey, audioSamples: pcm.length };
        const patch = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
        const row = await deps.store.devices
          .update(accountId, phoneNumber, { ...patch, ...voice })
          .catch(async (err: unknown) => {
            if (audioBlobKey) await deps.blobs.delete(audioBlobKey).catch(() => undefined);
            throw err;
          });
        if (!row) {
          // Removed meanwhile.
          if (audioBlobKey) await deps.blobs.delete(audioBlobKey).catch(() => undefined);
          throw notFound();
        }
        if (pcm !== undefined && before.audioBlobKey) await deps.blobs.delete(before.audioBlobKey);
        return presentDevice(row);
      },
    );
  };
