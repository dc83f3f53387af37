import { z } from "zod";
import { BelayError } from "../errors.js";
import { CALL_DIRECTIONS, CALL_STATUSES } from "./webhooks.js";

/**
 * The REST shapes Belay's API returns, named and typed as in FreeClimb's OpenAPI (nullability
 * included). Every field is present in what Belay returns, so none is optional here.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const RFC1123 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** `Mon, 15 Jun 2009 20:45:30 GMT`, the date format of every FreeClimb resource. */
export function rfc1123(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) {
    throw new BelayError("INVALID_DATE", `cannot format ${ms} as an RFC 1123 date`, { ms });
  }
  // ECMAScript defines toUTCString as exactly this format for years 0000-9999.
  return date.toUTCString();
}

/** Epoch milliseconds of an RFC 1123 GMT date, or undefined unless it is exactly that format and a real date. */
export function parseRfc1123(text: string): number | undefined {
  const m = RFC1123.exec(text);
  if (m === null) return undefined;
  const [, , day, month, year, hour, minute, second] = m;
  const ms = Date.UTC(
    Number(year),
    MONTHS.indexOf(month ?? ""),
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  // Round-tripping rejects 31 Feb, 25:00 and a weekday that does not match the date.
  return rfc1123(ms) === text ? ms : undefined;
}

const nullableString = () => z.string().nullable();
const nullableInt = () => z.int().nullable();
const rfc1123Date = () => z.string().refine((v) => parseRfc1123(v) !== undefined, "must be an RFC 1123 date");

/** OpenAPI `MutableResourceModel`: `uri` is relative to /apiserver; revision starts at 1. */
const resourceFields = {
  uri: z.string(),
  dateCreated: rfc1123Date(),
  dateUpdated: rfc1123Date(),
  revision: z.int().min(1),
};

export const recordingResultSchema = z.object({
  ...resourceFields,
  recordingId: nullableString(),
  accountId: nullableString(),
  callId: nullableString(),
  durationSec: nullableInt(),
  conferenceId: nullableString(),
});
export type RecordingResult = z.infer<typeof recordingResultSchema>;

export const callResultSchema = z.object({
  ...resourceFields,
  callId: nullableString(),
  parentCallId: nullableString(),
  accountId: nullableString(),
  from: nullableString(),
  to: nullableString(),
  phoneNumberId: nullableString(),
  status: z.enum(CALL_STATUSES).nullable(),
  /**
   * `status` again, under the name FreeClimb's SDKs 3.1.3 to 4.1.x read it from (4.2 and the
   * OpenAPI document use `status`); CallResult allows additional properties.
   */
  callStatus: z.enum(CALL_STATUSES).nullable(),
  startTime: nullableString(),
  connectTime: nullableString(),
  endTime: nullableString(),
  duration: nullableInt(),
  connectDuration: nullableInt(),
  direction: z.enum(CALL_DIRECTIONS).nullable(),
  answeredBy: z.enum(["human", "machine"]).nullable(),
  subresourceUris: z.record(z.string(), z.unknown()).nullable(),
  applicationId: nullableString(),
});
export type CallResult = z.infer<typeof callResultSchema>;

export const applicationResultSchema = z.object({
  ...resourceFields,
  accountId: nullableString(),
  applicationId: nullableString(),
  alias: nullableString(),
  voiceUrl: nullableString(),
  voiceFallbackUrl: nullableString(),
  callConnectUrl: nullableString(),
  statusCallbackUrl: nullableString(),
  smsUrl: nullableString(),
  smsFallbackUrl: nullableString(),
});
export type ApplicationResult = z.infer<typeof applicationResultSchema>;

const nullableBoolean = () => z.boolean().nullable();

export const capabilitiesSchema = z.object({
  voice: nullableBoolean(),
  sms: nullableBoolean(),
  tollFree: nullableBoolean(),
  tenDLC: nullableBoolean(),
  shortCode: nullableBoolean(),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;

export const incomingNumberResultSchema = z.object({
  ...resourceFields,
  capabilities: capabilitiesSchema,
  campaignId: nullableString(),
  phoneNumberId: nullableString(),
  accountId: nullableString(),
  applicationId: nullableString(),
  phoneNumber: nullableString(),
  alias: nullableString(),
  region: nullableString(),
  country: nullableString(),
  /** Deprecated by FreeClimb in favour of `capabilities`, still sent. */
  voiceEnabled: nullableBoolean(),
  smsEnabled: nullableBoolean(),
  offnet: nullableBoolean(),
  tfn: z.object({ campaignId: z.string() }).nullable(),
});
export type IncomingNumberResult = z.infer<typeof incomingNumberResultSchema>;

export const accountResultSchema = z.object({
  ...resourceFields,
  accountId: nullableString(),
  apiKey: nullableString(),
  alias: nullableString(),
  label: nullableString(),
  type: z.enum(["trial", "full"]).nullable(),
  status: z.enum(["closed", "suspended", "active"]).nullable(),
  subresourceUris: z.record(z.string(), z.unknown()).nullable(),
});
export type AccountResult = z.infer<typeof accountResultSchema>;

/** OpenAPI `PaginationModel`. `page` counts from 0; `nextPageUri` carries `cursor=` and is null on the last page. */
export const paginationSchema = z.object({
  total: nullableInt(),
  start: nullableInt(),
  end: nullableInt(),
  page: nullableInt(),
  numPages: nullableInt(),
  pageSize: nullableInt(),
  nextPageUri: nullableString(),
});
export type Pagination = z.infer<typeof paginationSchema>;

export const recordingListSchema = paginationSchema.extend({ recordings: z.array(recordingResultSchema) });
export type RecordingList = z.infer<typeof recordingListSchema>;

export const callListSchema = paginationSchema.extend({ calls: z.array(callResultSchema) });
export type CallList = z.infer<typeof callListSchema>;

export const applicationListSchema = paginationSchema.extend({
  applications: z.array(applicationResultSchema),
});
export type ApplicationList = z.infer<typeof applicationListSchema>;

export const incomingNumberListSchema = paginationSchema.extend({
  incomingPhoneNumbers: z.array(incomingNumberResultSchema),
});
export type IncomingNumberList = z.infer<typeof incomingNumberListSchema>;

/** OpenAPI `ConferenceStatus`. */
export const CONFERENCE_STATUSES = ["empty", "populated", "inProgress", "terminated"] as const;
/** OpenAPI `PlayBeep`: when a conference beeps as participants enter and leave. */
export const PLAY_BEEPS = ["always", "never", "entryOnly", "exitOnly"] as const;

export const conferenceResultSchema = z.object({
  ...resourceFields,
  conferenceId: nullableString(),
  accountId: nullableString(),
  alias: nullableString(),
  playBeep: z.enum(PLAY_BEEPS).nullable(),
  record: nullableBoolean(),
  status: z.enum(CONFERENCE_STATUSES).nullable(),
  waitUrl: nullableString(),
  actionUrl: nullableString(),
  statusCallbackUrl: nullableString(),
  subresourceUris: z.record(z.string(), z.unknown()).nullable(),
});
export type ConferenceResult = z.infer<typeof conferenceResultSchema>;

export const conferenceListSchema = paginationSchema.extend({ conferences: z.array(conferenceResultSchema) });
export type ConferenceList = z.infer<typeof conferenceListSchema>;

export const participantResultSchema = z.object({
  ...resourceFields,
  accountId: nullableString(),
  conferenceId: nullableString(),
  callId: nullableString(),
  talk: nullableBoolean(),
  listen: nullableBoolean(),
  dtmfPassThrough: nullableBoolean(),
  startConfOnEnter: nullableBoolean(),
});
export type ParticipantResult = z.infer<typeof participantResultSchema>;

export const participantListSchema = paginationSchema.extend({
  participants: z.array(participantResultSchema),
});
export type ParticipantList = z.infer<typeof participantListSchema>;
/** OpenAPI `QueueResult`: currentSize is live; averageQueueRemovalTime is whole seconds. */
export const queueResultSchema = z.object({
  ...resourceFields,
  accountId: nullableString(),
  queueId: nullableString(),
  alias: nullableString(),
  maxSize: nullableInt(),
  currentSize: nullableInt(),
  averageQueueRemovalTime: nullableInt(),
  subresourceUris: z.record(z.string(), z.unknown()).nullable(),
});
export type QueueResult = z.infer<typeof queueResultSchema>;

export const queueListSchema = paginationSchema.extend({ queues: z.array(queueResultSchema) });
export type QueueList = z.infer<typeof queueListSchema>;

/** OpenAPI `QueueMember`: not a MutableResourceModel (no revision, no dateCreated). */
export const queueMemberSchema = z.object({
  uri: nullableString(),
  callId: nullableString(),
  waitTime: nullableInt(),
  position: nullableInt(),
  dateEnqueued: rfc1123Date().nullable(),
});
export type QueueMember = z.infer<typeof queueMemberSchema>;

export const queueMemberListSchema = paginationSchema.extend({ queueMembers: z.array(queueMemberSchema) });
export type QueueMemberList = z.infer<typeof queueMemberListSchema>;

/** OpenAPI `LogResult`: `timestamp` in microseconds since the epoch. */
export const logResultSchema = z.object({
  timestamp: nullableInt(),
  level: z.enum(["info", "warning", "error"]).nullable(),
  requestId: nullableString(),
  accountId: nullableString(),
  callId: nullableString(),
  message: nullableString(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
export type LogResult = z.infer<typeof logResultSchema>;

export const logListSchema = paginationSchema.extend({ logs: z.array(logResultSchema) });
export type LogList = z.infer<typeof logListSchema>;

/**
 * The error body of every failed REST call, as docs/contract.md §5 specifies it. FreeClimb's
 * OpenAPI `PlatformError` names the text `call` instead of `message`; Belay sends `message`.
 */
export const apiErrorBodySchema = z.object({
  code: z.int(),
  message: z.string(),
  url: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;
