import { z } from "zod";
import { pcmAudio } from "./pcm-body.js";
import { e164, httpUrl } from "./schemas.js";

/**
 * A scenario: several virtual callers and the virtual devices their app's OutDials reach, on one
 * clock (docs/virtual-calls.md, "Scenarios"). One shape for the file `belay call --scenario` reads
 * (a voice is a WAV path) and for the body of POST /belay/v1/scenarios (a voice is base64 PCM).
 * Objects are strict: a misspelt field is an error naming it, not a setting silently ignored.
 */

/** A run long enough for a call-centre day, short enough that a typo in a time is caught. */
export const SCENARIO_MAX_MS = 24 * 60 * 60 * 1000;
const ms = () => z.int("must be a whole number of milliseconds").min(0).max(SCENARIO_MAX_MS);

const keyPresses = z
  .array(
    z.strictObject({
      keys: z.string().regex(/^[0-9*#A-D]{1,32}$/, "keys are 1 to 32 of 0-9, *, # and A-D"),
      atMs: ms(),
    }),
  )
  .max(100);

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, "a name is 1-32 letters, digits, '.', '_' or '-'");

/**
 * `voice` is what one voice is made of: `{ file }` in a file, `{ audio }` in the REST body; `extra`
 * adds top-level fields (the body's `fast`).
 */
export function scenarioSchema<Voice extends z.ZodRawShape, Extra extends z.ZodRawShape>(
  voice: Voice,
  extra: Extra,
) {
  const spoken = z.strictObject({ ...voice, atMs: ms().default(0) });
  const caller = z.strictObject({
    name: name.optional(),
    from: e164,
    to: e164,
    /** The app's voice URL; without it `to` is routed to its number's application. */
    appUrl: httpUrl.optional(),
    statusUrl: httpUrl.optional(),
    /** When the call comes in, from the start of the run. */
    startAtMs: ms().default(0),
    /** The rest are timed from the moment this call connects, as in `belay call`. */
    voice: spoken.optional(),
    keys: keyPresses.default([]),
    hangupAtMs: ms().optional(),
    answerDelayMs: ms().optional(),
  });
  const device = z
    .strictObject({
      name: name.optional(),
      number: e164,
      mode: z.enum(["answer", "busy", "noAnswer"]).default("answer"),
      /** How long it rings before answering (mode answer). */
      answerAfterMs: ms().optional(),
      /** Timed from the moment it answers. */
      voice: spoken.optional(),
      keys: keyPresses.default([]),
      hangupAtMs: ms().optional(),
    })
    .refine((d) => d.answerAfterMs === undefined || d.mode === "answer", {
      message: "answerAfterMs applies only to mode answer",
      path: ["answerAfterMs"],
    });
  return z
    .strictObject({
      description: z.string().max(2000).optional(),
      callers: z.array(caller).min(1, "a scenario needs at least one caller").max(200),
      devices: z.array(device).max(200).default([]),
      ...extra,
    })
    .superRefine((scenario, ctx) => uniqueNumbersAndNames(scenario as Parties, ctx));
}

interface Parties {
  callers: Array<{ name?: string | undefined }>;
  devices: Array<{ name?: string | undefined; number: string }>;
}

/** A number dialled must name one device; a name, one party. */
function uniqueNumbersAndNames(scenario: Parties, ctx: z.RefinementCtx): void {
  const numbers = new Map<string, number>();
  scenario.devices.forEach((d, i) => {
    const first = numbers.get(d.number);
    if (first === undefined) numbers.set(d.number, i);
    else
      ctx.addIssue({
        code: "custom",
        path: ["devices", i, "number"],
        message: `${d.number} is already devices[${first}]`,
      });
  });
  const names = new Map<string, string>();
  const claim = (value: string | undefined, list: "callers" | "devices", i: number) => {
    if (value === undefined) return;
    const first = names.get(value);
    if (first)
      ctx.addIssue({
        code: "custom",
        path: [list, i, "name"],
        message: `"${value}" is already ${first}'s name`,
      });
    else names.set(value, `${list}[${i}]`);
  };
  for (const [i, c] of scenario.callers.entries()) claim(c.name, "callers", i);
  for (const [i, d] of scenario.devices.entries()) claim(d.name, "devices", i);
}

/** POST /belay/v1/scenarios: the scenario with its voices as base64 PCM, and which clock to run on. */
export const scenarioBody = scenarioSchema(
  /** Base64 of 8 kHz mono 16-bit little-endian PCM, as /belay/v1/virtual-calls takes it. */
  { audio: pcmAudio },
  { fast: z.boolean().default(false) },
);

export type ScenarioBody = z.input<typeof scenarioBody>;
export type ParsedScenarioBody = z.output<typeof scenarioBody>;

/** `callers[0].voice.file`: where a zod issue is, as a user reads it. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out || "(the whole scenario)";
}
