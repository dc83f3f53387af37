import { z } from "zod";
import { type IdPrefix, isId } from "./ids.js";
import { isAbsoluteHttpUrl } from "./percl/fields.js";

/**
 * The webhook bodies Belay sends to apps (docs/contract.md §1, §2 and §4). The schemas are strict
 * (an unexpected key is an error) because they check what Belay emits, not what it receives.
 */

/** OpenAPI `RequestType`: every value FreeClimb can put in `requestType`. */
export const REQUEST_TYPES = [
  "inboundCall",
  "record",
  "getDigits",
  "getSpeech",
  "redirect",
  "pause",
  "outDialStart",
  "outDialConnect",
  "outDialApiConnect",
  "machineDetected",
  "dequeue",
  "queueWait",
  "addToQueueNotification",
  "removeFromQueueNotification",
  "callStatus",
  "createConference",
  "conferenceStatus",
  "leaveConference",
  "addToConferenceNotification",
  "conferenceRecordingStatus",
  "conferenceCallControl",
  // Not in the OpenAPI enum, but the name its Webhook discriminator and CallControlWebhook use.
  "callControl",
  "messageDelivery",
  "messageStatus",
  // Belay's own (docs/parking.md): FreeClimb's OpenAPI names no requestType for Park's webhooks.
  "parkNotification",
  "parkWait",
  "unpark",
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const CALL_STATUSES = [
  "queued",
  "ringing",
  "inProgress",
  "canceled",
  "completed",
  "failed",
  "busy",
  "noAnswer",
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** `outboundAPI`: REST "make a call"; `outboundDial`: a PerCL OutDial leg. */
export const CALL_DIRECTIONS = ["inbound", "outboundAPI", "outboundDial"] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** OpenAPI `CallEndedReason`, a superset of the list in docs/contract.md §4. */
export const CALL_ENDED_REASONS = [
  "busy",
  "failed",
  "noAnswer",
  "callCanceled",
  "farEndHangup",
  "appHangup",
  "appReject",
  "appNoPercl",
  "appInvalidPercl",
  "conferenceTerminated",
  "conferenceEmptied",
  "removedFromConference",
  "machineDetected",
  "webhookFailed",
  "webhookInvalidResponse",
  "voiceDisabled",
  "configErrorNoApplication",
  "configErrorNoVoiceUrl",
  "maxRedirectsError",
  "perclProcessingError",
  "internalError",
  "grpcHangup",
  "maxDuration",
] as const;
export type CallEndedReason = (typeof CALL_ENDED_REASONS)[number];

export const RECORD_TERM_REASONS = ["finishKey", "timeout", "hangup", "maxLength"] as const;
export type RecordTermReason = (typeof RECORD_TERM_REASONS)[number];

export const GET_DIGITS_REASONS = ["finishKey", "timeout", "maxDigits", "tone"] as const;
export type GetDigitsReason = (typeof GET_DIGITS_REASONS)[number];

const id = (prefix: IdPrefix) =>
  z.string().refine((value) => isId(value, prefix), `must be a ${prefix} id (${prefix} + 40 lowercase hex)`);

/** Fields every call webhook carries; absent context is an explicit null, as FreeClimb sends it. */
const callFields = {
  accountId: id("AC"),
  callId: id("CA"),
  from: z.string(),
  to: z.string(),
  callStatus: z.enum(CALL_STATUSES),
  direction: z.enum(CALL_DIRECTIONS),
  conferenceId: id("CF").nullable(),
  queueId: id("QU").nullable(),
  parentCallId: id("CA").nullable(),
};

export const callWebhookFieldsSchema = z.strictObject({ requestType: z.enum(REQUEST_TYPES), ...callFields });
export type CallWebhookFields = z.infer<typeof callWebhookFieldsSchema>;

export const inboundCallWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("inboundCall"),
});
export type InboundCallWebhook = z.infer<typeof inboundCallWebhookSchema>;

/** docs/contract.md §2, field for field. */
export const recordWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("record"),
  /** null only when autoStart heard no speech: no recording was made. */
  recordingId: id("RE").nullable(),
  recordingUrl: z.string().refine(isAbsoluteHttpUrl, "must be an absolute http(s) URL").nullable(),
  /** Bytes of the whole WAV file, as a decimal string (FreeClimb's type). */
  recordingSize: z.string().regex(/^(0|[1-9][0-9]*)$/, "must be a decimal byte count"),
  recordingFormat: z.literal("audio/wav"),
  /** Rounded up to the next whole second. */
  recordingDurationSec: z.int().min(0),
  termReason: z.enum(RECORD_TERM_REASONS),
  privacyMode: z.boolean(),
});
export type RecordWebhook = z.infer<typeof recordWebhookSchema>;

export const getDigitsWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("getDigits"),
  /** Without the finish key; empty when nothing usable was collected. */
  digits: z.string(),
  reason: z.enum(GET_DIGITS_REASONS),
});
export type GetDigitsWebhook = z.infer<typeof getDigitsWebhookSchema>;

export const redirectWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("redirect"),
});
export type RedirectWebhook = z.infer<typeof redirectWebhookSchema>;

export const callStatusWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("callStatus"),
  callEndedReason: z.enum(CALL_ENDED_REASONS),
  /** StartRecordCall's recording of the whole call, when it ran (docs/conferences.md). */
  recordingId: id("RE").optional(),
  recordingUrl: z.string().refine(isAbsoluteHttpUrl, "must be an absolute http(s) URL").optional(),
  recordingSize: z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, "must be a decimal byte count")
    .optional(),
  recordingFormat: z.literal("audio/wav").optional(),
  recordingDurationSec: z.int().min(0).optional(),
});
export type CallStatusWebhook = z.infer<typeof callStatusWebhookSchema>;

/** To `callConnectUrl` when a REST-created call attempt ends; PerCL only matters if inProgress. */
export const outDialApiConnectWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("outDialApiConnect"),
  direction: z.literal("outboundAPI"),
});
export type OutDialApiConnectWebhook = z.infer<typeof outDialApiConnectWebhookSchema>;

/** To OutDial's `callConnectUrl`, about the new leg. */
export const outDialConnectWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("outDialConnect"),
  direction: z.literal("outboundDial"),
});
export type OutDialConnectWebhook = z.infer<typeof outDialConnectWebhookSchema>;

/** To OutDial's `actionUrl`, about the parent call; `dialCallId` names the new leg. */
export const outDialStartWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("outDialStart"),
  dialCallId: id("CA"),
});
export type OutDialStartWebhook = z.infer<typeof outDialStartWebhookSchema>;

/** OpenAPI ConferenceStatus. */
export const CONFERENCE_STATUSES = ["empty", "populated", "inProgress", "terminated"] as const;
export type ConferenceStatus = (typeof CONFERENCE_STATUSES)[number];

/** OpenAPI MachineType. */
export const MACHINE_TYPES = ["answering machine", "fax modem"] as const;
export type MachineType = (typeof MACHINE_TYPES)[number];

/** To OutDial's `ifMachineUrl` when the new leg was answered by a machine; PerCL continues it. */
export const machineDetectedWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("machineDetected"),
  direction: z.literal("outboundDial"),
  machineType: z.enum(MACHINE_TYPES),
});
export type MachineDetectedWebhook = z.infer<typeof machineDetectedWebhookSchema>;

/** To CreateConference's `actionUrl`, for the creating call: the PerCL continues that call. */
export const createConferenceWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("createConference"),
  conferenceId: id("CF"),
  status: z.enum(CONFERENCE_STATUSES),
});
export type CreateConferenceWebhook = z.infer<typeof createConferenceWebhookSchema>;

/**
 * Conference-level notifications to its `statusCallbackUrl`. The call fields are those of the
 * call whose action caused the change (a participant joining or leaving, the call that ran
 * TerminateConference); a change no call caused (the REST API, an idle conference ending) has
 * none, since FreeClimb types them as non-null strings (docs/conferences.md).
 */
const conferenceEventFields = {
  accountId: id("AC"),
  conferenceId: id("CF"),
  status: z.enum(CONFERENCE_STATUSES),
  callId: id("CA").optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  callStatus: z.enum(CALL_STATUSES).optional(),
  direction: z.enum(CALL_DIRECTIONS).optional(),
  queueId: id("QU").nullable().optional(),
  parentCallId: id("CA").nullable().optional(),
};

export const conferenceStatusWebhookSchema = z.strictObject({
  ...conferenceEventFields,
  requestType: z.literal("conferenceStatus"),
});
export type ConferenceStatusWebhook = z.infer<typeof conferenceStatusWebhookSchema>;

/** After a recorded conference ends: its recording, an ordinary Recording resource. */
export const conferenceRecordingStatusWebhookSchema = z.strictObject({
  ...conferenceEventFields,
  requestType: z.literal("conferenceRecordingStatus"),
  recordingId: id("RE"),
  recordingUrl: z.string().refine(isAbsoluteHttpUrl, "must be an absolute http(s) URL"),
  recordingSize: z.string().regex(/^(0|[1-9][0-9]*)$/, "must be a decimal byte count"),
  recordingFormat: z.literal("audio/wav"),
  recordingDurationSec: z.int().min(0),
});
export type ConferenceRecordingStatusWebhook = z.infer<typeof conferenceRecordingStatusWebhookSchema>;

/** To AddToConference's `notificationUrl` once the call is in the conference. */
export const addToConferenceNotificationWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("addToConferenceNotification"),
  conferenceId: id("CF"),
  status: z.enum(CONFERENCE_STATUSES),
});
export type AddToConferenceNotificationWebhook = z.infer<typeof addToConferenceNotificationWebhookSchema>;

/** To AddToConference's `leaveConferenceUrl` when the call has left; PerCL continues it unless it hung up. */
export const leaveConferenceWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("leaveConference"),
  conferenceId: id("CF"),
});
export type LeaveConferenceWebhook = z.infer<typeof leaveConferenceWebhookSchema>;

/** To AddToConference's `callControlUrl` when the participant keyed its `callControlSequence`. */
export const callControlWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("callControl"),
  conferenceId: id("CF"),
  digits: z.string(),
});
export type CallControlWebhook = z.infer<typeof callControlWebhookSchema>;

/**
 * How a Park ended (Belay's own, docs/parking.md): `unpark` the wait script's Unpark, `restApi` a
 * POST to the Call with status inProgress, `hangup` the caller hung up, `callEnded` the call ended
 * otherwise while parked (a Hangup in the wait script, a failed wait script, a REST hang-up).
 */
export const PARK_RESULTS = ["unpark", "restApi", "hangup", "callEnded"] as const;
export type ParkResult = (typeof PARK_RESULTS)[number];

/** Belay's own: to Park's `notificationUrl` once the call is parked; the standard fields only. */
export const parkNotificationWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("parkNotification"),
  queueId: z.null(),
});
export type ParkNotificationWebhook = z.infer<typeof parkNotificationWebhookSchema>;

/** Belay's own: each request to Park's `waitUrl`; `parkTime` is whole seconds parked so far. */
export const parkWaitWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("parkWait"),
  queueId: z.null(),
  parkTime: z.int().min(0),
});
export type ParkWaitWebhook = z.infer<typeof parkWaitWebhookSchema>;

/** Belay's own: to Park's `actionUrl` when the park ends; PerCL continues the call unless it ended. */
export const unparkWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("unpark"),
  queueId: z.null(),
  parkResult: z.enum(PARK_RESULTS),
  parkTime: z.int().min(0),
});
export type UnparkWebhook = z.infer<typeof unparkWebhookSchema>;

/** OpenAPI QueueResultStatus: why a call left a queue, or never got in (queueFull). */
export const QUEUE_RESULTS = ["queueFull", "dequeued", "hangup", "systemError"] as const;
export type QueueResult = (typeof QUEUE_RESULTS)[number];

/** Whole seconds the call spent in the queue (0 when it never got in). */
const queueTime = z.int().min(0);

/** To Enqueue's `waitUrl` while the call waits in the queue; its PerCL is what the caller hears. */
export const queueWaitWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("queueWait"),
  queueId: id("QU"),
  /** 1-based place in the queue; a decimal string, as FreeClimb types it. */
  queuePosition: z.string().regex(/^[1-9][0-9]*$/, "must be a 1-based position as a decimal string"),
  queueTime,
  currentQueueSize: z.int().min(1),
});
export type QueueWaitWebhook = z.infer<typeof queueWaitWebhookSchema>;

/** To Enqueue's `notificationUrl` once the call is in the queue (a notification). */
export const addToQueueNotificationWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("addToQueueNotification"),
  queueId: id("QU"),
});
export type AddToQueueNotificationWebhook = z.infer<typeof addToQueueNotificationWebhookSchema>;

/**
 * To Enqueue's `actionUrl` when the call left the queue other than by a Dequeue, or never got in:
 * its PerCL continues the call, except after a hang-up (then it is a notification).
 */
export const removeFromQueueNotificationWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("removeFromQueueNotification"),
  queueId: id("QU"),
  queueResult: z.enum(QUEUE_RESULTS).exclude(["dequeued"]),
  queueTime,
});
export type RemoveFromQueueNotificationWebhook = z.infer<typeof removeFromQueueNotificationWebhookSchema>;

/** To Enqueue's `actionUrl` when the call was dequeued (Dequeue or the REST API); PerCL continues it. */
export const dequeueWebhookSchema = z.strictObject({
  ...callFields,
  requestType: z.literal("dequeue"),
  queueId: id("QU"),
  queueResult: z.literal("dequeued"),
  queueTime,
});
export type DequeueWebhook = z.infer<typeof dequeueWebhookSchema>;

export const webhookSchema = z.discriminatedUnion("requestType", [
  inboundCallWebhookSchema,
  recordWebhookSchema,
  getDigitsWebhookSchema,
  redirectWebhookSchema,
  callStatusWebhookSchema,
  outDialApiConnectWebhookSchema,
  outDialConnectWebhookSchema,
  outDialStartWebhookSchema,
  machineDetectedWebhookSchema,
  createConferenceWebhookSchema,
  conferenceStatusWebhookSchema,
  conferenceRecordingStatusWebhookSchema,
  addToConferenceNotificationWebhookSchema,
  leaveConferenceWebhookSchema,
  callControlWebhookSchema,
  parkNotificationWebhookSchema,
  parkWaitWebhookSchema,
  unparkWebhookSchema,
  queueWaitWebhookSchema,
  addToQueueNotificationWebhookSchema,
  removeFromQueueNotificationWebhookSchema,
  dequeueWebhookSchema,
]);
export type Webhook = z.infer<typeof webhookSchema>;

/** One webhook's body by its requestType, e.g. `WebhookOf<"record">`. */
export type WebhookOf<T extends Webhook["requestType"]> = Extract<Webhook, { requestType: T }>;

/** The fields every call webhook starts from (docs/contract.md §1). */
export type CallFields = Omit<CallWebhookFields, "requestType">;

/**
 * What a call webhook adds to the call fields: its own fields, required as its schema says, plus
 * any call field it narrows (createConference's non-null conferenceId).
 */
export type WebhookExtra<T extends Webhook["requestType"]> = Omit<WebhookOf<T>, keyof CallWebhookFields> &
  Partial<Pick<WebhookOf<T>, Extract<keyof CallFields, keyof WebhookOf<T>>>>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Rebuilds plain objects with sorted keys; JSON.stringify then visits their values the same way. */
function sortKeys(_key: string, value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = value[key];
  return sorted;
}

/**
 * The exact bytes Belay sends (and signs): compact JSON, keys in alphabetical order at every
 * depth, like FreeClimb's signed sample. Keys whose value is undefined are left out; explicit
 * nulls stay.
 */
export function serializeWebhook(body: object): string {
  return JSON.stringify(body, sortKeys);
}
