import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { saveDeviceAudio } from "../../calls/device-audio.js";
import { apiErrorBodySchema, paginationSchema } from "../../contract/rest.js";
import { isBelayError } from "../../errors.js";
import type { ApiDeps } from "../app.js";
import { apiError } from "../errors.js";
import { envelope, listOptions, pageRequest } from "../paging.js";
import { pcmAudio, pcmFromBase64 } from "../pcm-body.js";
import { presentDevice } from "../present.js";
import { e164, errorResponses, pageQuery } from "../schemas.js";

/** Longest a device rings before answering, or speaks/acts after: beyond any ring timeout or test. */
const MAX_MS = 4 * 60 * 60 * 1000;
const ms = () => z.int("must be a whole number of milliseconds").min(0).max(MAX_MS);

const deviceBody = z.object({
  phoneNumber: e164,
  mode: z.enum(["answer", "busy", "noAnswer"]).default("answer"),
  /** Ringing before it answers (mode answer). */
  answerAfterMs: ms().default(1000),
  /** The device's voice: base64 of 8 kHz mono 16-bit little-endian PCM, as /belay/v1/virtual-calls takes it. */
  audio: pcmAudio.optional(),
  audioAtMs: ms().default(0),
  dtmf: z
    .array(
      z.object({ keys: z.string().regex(/^[0-9*#A-D]{1,32}$/, "keys are 0-9, *, # and A-D"), atMs: ms() }),
    )
    .max(100)
    .default([]),
  hangupAtMs: ms().nullish(),
});

const deviceSchema = z.object({
  uri: z.string(),
  accountId: z.string(),
  phoneNumber: z.string(),
  mode: z.enum(["answer", "busy", "noAnswer"]),
  answerAfterMs: z.int(),
  audioDurationMs: z.int(),
  audioAtMs: z.int(),
  dtmf: z.array(z.object({ keys: z.string(), atMs: z.int() })),
  hangupAtMs: z.int().nullable(),
  dateCreated: z.string(),
  dateUpdated: z.string(),
  revision: z.int(),
});

const deviceParams = z.object({ phoneNumber: e164 });
const tags = ["Belay extensions"];

/** Virtual devices (Belay extension): numbers an account's outbound calls reach, with their behaviour. */
export const devicesRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    api.post(
      "/belay/v1/devices",
      {
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags,
          summary: "Add a virtual device",
          body: deviceBody,
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
