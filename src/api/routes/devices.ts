import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { saveDeviceAudio } from "../../calls/device-audio.js";
import { apiErrorBodySchema, paginationSchema } from "../../contract/rest.js";
import { isBelayError } from "../../errors.js";
import type { ApiDeps } from "../app.js";
import { deviceCreateBody, deviceParams, deviceSchema } from "../device-schemas.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { pcmFromBase64 } from "../pcm-body.js";
import { presentDevice } from "../present.js";
import { errorResponses, pageQuery } from "../schemas.js";
import { deviceUpdateRoute } from "./device-update.js";

const tags = ["Belay extensions"];

/** Virtual devices (Belay extension): numbers an account's outbound calls reach, with their behaviour. */
export const devicesRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    await plain.register(deviceUpdateRoute(deps));

    api.post(
      "/belay/v1/devices",
      {
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags,
          summary: "Add a virtual device",
          body: deviceCreateBody,
          response: {
            201: deviceSchema,
            ...errorResponses,
            409: apiErrorBodySchema.describe("the account already has a device with this number"),
          },
        },
      },
      async (request, reply) => {
        const { accountId } = request.account;
        const body = request.body;
        const conflict = () =>
          apiError("CONFLICT", `${body.phoneNumber} is already a device of this account`, {
            field: "phoneNumber",
          });
        if (await deps.store.devices.get(accountId, body.phoneNumber)) throw conflict();
        const pcm = body.audio === undefined ? undefined : pcmFromBase64(body.audio);
        const audioBlobKey = pcm?.length
          ? await saveDeviceAudio(deps.blobs, accountId, body.phoneNumber, pcm)
          : null;
        try {
          const row = await deps.store.devices.create({
            accountId,
            phoneNumber: body.phoneNumber,
            mode: body.mode,
            answerAfterMs: body.answerAfterMs,
            audioBlobKey,
            audioSamples: pcm?.length ?? 0,
            audioAtMs: body.audioAtMs,
            dtmf: body.dtmf,
            hangupAtMs: body.hangupAtMs ?? null,
          });
          return reply.status(201).send(presentDevice(row));
        } catch (err) {
          if (audioBlobKey) await deps.blobs.delete(audioBlobKey).catch(() => undefined);
          // Two adds of one number at once: the database's unique key decides.
          if (isBelayError(err, "STORE_CONFLICT")) throw conflict();
          throw err;
        }
      },
    );

    api.get(
      "/belay/v1/devices",
      {
        schema: {
          tags,
          summary: "List the account's virtual devices, newest first",
          querystring: pageQuery,
          response: { 200: paginationSchema.extend({ devices: z.array(deviceSchema) }), ...errorResponses },
        },
      },
      async (request) => {
        const page = pageRequest(request.query);
        const result = await deps.store.devices.list(request.account.accountId, listOptions(page));
        return envelope(result, page, "/belay/v1/devices", "devices", result.items.map(presentDevice));
      },
    );

    api.get(
      "/belay/v1/devices/:phoneNumber",
      {
        schema: {
          tags,
          summary: "Get a virtual device",
          params: deviceParams,
          response: { 200: deviceSchema, ...errorResponses },
        },
      },
      async (request) => {
        const row = await deps.store.devices.get(request.account.accountId, request.params.phoneNumber);
        if (!row)
          throw apiError("DEVICE_NOT_FOUND", `no device ${request.params.phoneNumber} in this account`);
        return presentDevice(row);
      },
    );

    api.delete(
      "/belay/v1/devices/:phoneNumber",
      {
        schema: {
          tags,
          summary: "Remove a virtual device",
          params: deviceParams,
          response: { 204: z.null().describe("removed"), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { accountId } = request.account;
        const { phoneNumber } = request.params;
        const row = await deps.store.devices.get(accountId, phoneNumber);
        if (!row || !(await deps.store.devices.delete(accountId, phoneNumber)))
          throw apiError("DEVICE_NOT_FOUND", `no device ${phoneNumber} in this account`);
        // A call already placed holds the audio in memory: the file can go at once.
        if (row.audioBlobKey) await deps.blobs.delete(row.audioBlobKey);
        return reply.status(204).send(null);
      },
    );
  };
