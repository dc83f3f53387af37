import { z } from "zod";
import { pcmAudio } from "./pcm-body.js";
import { e164 } from "./schemas.js";

/** Longest a device rings before answering, or speaks/acts after: beyond any ring timeout or test. */
const MAX_MS = 4 * 60 * 60 * 1000;
const ms = () => z.int("must be a whole number of milliseconds").min(0).max(MAX_MS);

const mode = z.enum(["answer", "busy", "noAnswer"]);
const dtmf = z
  .array(z.object({ keys: z.string().regex(/^[0-9*#A-D]{1,32}$/, "keys are 0-9, *, # and A-D"), atMs: ms() }))
  .max(100);

/** POST /belay/v1/devices: a new device, with its defaults. */
export const deviceCreateBody = z.object({
  phoneNumber: e164,
  mode: mode.default("answer"),
  /** Ringing before it answers (mode answer). */
  answerAfterMs: ms().default(1000),
  /** The device's voice: base64 of 8 kHz mono 16-bit little-endian PCM, as /belay/v1/virtual-calls takes it. */
  audio: pcmAudio.optional(),
  audioAtMs: ms().default(0),
  dtmf: dtmf.default([]),
  hangupAtMs: ms().nullish(),
});

/**
 * POST /belay/v1/devices/{phoneNumber}: the same fields as a create, each optional, checked the
 * same way; what the body leaves out stays. The number itself is the device's id and never changes.
 * `audio: ""` removes the voice, `hangupAtMs: null` the hang-up.
 */
export const deviceUpdateBody = z
  .object({
    mode: mode.optional(),
    answerAfterMs: ms().optional(),
    audio: pcmAudio.optional(),
    audioAtMs: ms().optional(),
    dtmf: dtmf.optional(),
    hangupAtMs: ms().nullable().optional(),
  })
  .strict();

export const deviceSchema = z.object({
  uri: z.string(),
  accountId: z.string(),
  phoneNumber: z.string(),
  mode,
  answerAfterMs: z.int(),
  audioDurationMs: z.int(),
  audioAtMs: z.int(),
  dtmf: z.array(z.object({ keys: z.string(), atMs: z.int() })),
  hangupAtMs: z.int().nullable(),
  dateCreated: z.string(),
  dateUpdated: z.string(),
  revision: z.int(),
});

export const deviceParams = z.object({ phoneNumber: e164 });
