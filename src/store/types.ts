/**
 * What the rest of Belay needs from metadata storage. SQLite implements it now; PostgreSQL will
 * implement the same interface when Belay scales out, so nothing above this file knows which.
 * Times are epoch milliseconds; the API layer formats them as RFC 1123.
 */

export type CallStatus =
  | "queued"
  | "ringing"
  | "inProgress"
  | "canceled"
  | "completed"
  | "failed"
  | "busy"
  | "noAnswer";

/** Calls not yet finished: FreeClimb's `active=true`, and what a crash leaves live. */
export const ACTIVE_CALL_STATUSES: readonly CallStatus[] = ["queued", "ringing", "inProgress"];

export type CallDirection = "inbound" | "outboundAPI" | "outboundDial";

export interface AccountRow {
  accountId: string;
  apiKey: string;
  signingSecret: string;
  alias: string | null;
  /** FreeClimb's `label`: the group the account belongs to. */
  label: string | null;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface ApplicationRow {
  applicationId: string;
  accountId: string;
  alias: string | null;
  voiceUrl: string | null;
  voiceFallbackUrl: string | null;
  callConnectUrl: string | null;
  statusCallbackUrl: string | null;
  smsUrl: string | null;
  smsFallbackUrl: string | null;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface PhoneNumberRow {
  phoneNumberId: string;
  accountId: string;
  phoneNumber: string;
  alias: string | null;
  applicationId: string | null;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface CallRow {
  callId: string;
  accountId: string;
  parentCallId: string | null;
  applicationId: string | null;
  phoneNumberId: string | null;
  from: string;
  to: string;
  direction: CallDirection;
  status: CallStatus;
  callEndedReason: string | null;
  startTime: number | null;
  connectTime: number | null;
  endTime: number | null;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface RecordingRow {
  recordingId: string;
  accountId: string;
  callId: string;
  conferenceId: string | null;
  /** Key of the WAV in the blob store. */
  blobKey: string;
  sizeBytes: number;
  durationMs: number;
  privacyMode: boolean;
  /** When a privacyMode recording's file and metadata are to be deleted; null when kept. */
  deleteAt: number | null;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export type DeliveryState = "pending" | "delivered" | "failed";

/** One webhook request as sent (or to be sent, for the notification outbox). */
export interface WebhookDeliveryRow {
  deliveryId: string;
  accountId: string;
  callId: string | null;
  requestType: string;
  url: string;
  /**
   * The exact JSON bytes signed and sent, except that privacyMode input (GetDigits `digits`) is
   * null in it: then `redacted` is true. The value itself is never stored (docs/privacy.md).
   */
  body: string;
  redacted: boolean;
  /** true for notifications kept in the durable outbox and retried. */
  durable: boolean;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  latencyMs: number | null;
  dateCreated: number;
  dateUpdated: number;
}

/**
 * A call some process is running: what start-up needs to end it if that process died
 * (docs/operations/crash-recovery.md). Removed when the call has ended.
 */
export interface LiveCallRow {
  callId: string;
  accountId: string;
  /** Where its callStatus goes; null when nowhere. */
  statusCallbackUrl: string | null;
  /** A call Belay places: where outDialApiConnect goes if it never connects. */
  connectUrl: string | null;
  dateCreated: number;
}

/**
 * What a recording is for, which decides how start-up announces it after a crash: RecordUtterance's
 * `record` webhook, StartRecordCall's fields in its call's callStatus, or a conference's
 * conferenceRecordingStatus (docs/operations/crash-recovery.md).
 */
export type LiveRecordingKind = "utterance" | "call" | "conference";

/** A recording being written, and how it is announced. Removed once it is stored. */
export interface LiveRecordingRow {
  recordingId: string;
  accountId: string;
  /** The call it is filed under (for a conference: its creator, or the call that started it). */
  callId: string;
  blobKey: string;
  kind: LiveRecordingKind;
  /** Set for kind "conference" only. */
  conferenceId: string | null;
  /** Where the `record` webhook goes (kind "utterance"); empty for the other kinds. */
  actionUrl: string;
  privacyMode: boolean;
  dateCreated: number;
}

export type CallLogLevel = "info" | "warning" | "error";

/**
 * One entry of a call's log (FreeClimb's LogResult): an event of the call worth an app
 * developer's attention. Never holds privacyMode input or a secret (docs/api/logs.md).
 */
export interface CallLogRow {
  accountId: string;
  callId: string | null;
  /** When it happened, in microseconds since the epoch, as FreeClimb's logs give it. */
  timestamp: number;
  level: CallLogLevel;
  /** Ties together the entries one webhook exchange caused. */
  requestId: string | null;
  message: string;
  metadata: Record<string, unknown> | null;
  /** When it was stored (epoch ms): retention counts from here. */
  dateCreated: number;
}

/** A log field a filter can compare; `metadata` takes a path into the metadata object. */
export type CallLogField = "timestamp" | "level" | "requestId" | "accountId" | "callId" | "message";
export type CallLogComparator = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** A parsed log filter (FreeClimb's PQL, docs/api/logs.md): comparisons joined by AND and OR. */
export type CallLogCondition =
  | { kind: "and"; left: CallLogCondition; right: CallLogCondition }
  | { kind: "or"; left: CallLogCondition; right: CallLogCondition }
  | { kind: "field"; field: CallLogField; comparator: CallLogComparator; value: string | number }
  | { kind: "metadata"; path: string[]; comparator: CallLogComparator; value: string | number | boolean };

export interface CallLogFilter {
  callId?: string;
  where?: CallLogCondition;
  /** Only entries stored up to this one (a listing's snapshot, so later pages do not shift). */
  upToSeq?: number;
}

/** How a virtual device takes a call Belay places to it. */
export type DeviceMode = "answer" | "busy" | "noAnswer";

/**
 * A virtual callee (Belay extension): a number that, when an account calls it, rings, answers and
 * plays its behaviour. Times are milliseconds from the answer, as in a virtual caller's script.
 */
export interface DeviceRow {
  accountId: string;
  phoneNumber: string;
  mode: DeviceMode;
  /** How long it rings before answering (mode "answer"). */
  answerAfterMs: number;
  /** Key in the blob store of its voice, 8 kHz mono 16-bit little-endian PCM; null: silence. */
  audioBlobKey: string | null;
  audioSamples: number;
  audioAtMs: number;
  dtmf: Array<{ keys: string; atMs: number }>;
  hangupAtMs: number | null;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface ListOptions {
  /** Zero-based offset into the newest-first ordering. */
  offset?: number;
  limit?: number;
}

export type Patch<T> = Partial<Omit<T, "dateCreated" | "revision">>;

export interface AccountRepo {
  /** `label` defaults to null. */
  create(
    row: Omit<AccountRow, "dateCreated" | "dateUpdated" | "revision" | "label"> & { label?: string | null },
  ): Promise<AccountRow>;
  get(accountId: string): Promise<AccountRow | undefined>;
  list(): Promise<AccountRow[]>;
  /** Replaces credentials, alias or label; bumps revision. */
  update(
    accountId: string,
    patch: Partial<Pick<AccountRow, "apiKey" | "signingSecret" | "alias" | "label">>,
  ): Promise<AccountRow | undefined>;
}

export interface ApplicationRepo {
  create(row: Omit<ApplicationRow, "dateCreated" | "dateUpdated" | "revision">): Promise<ApplicationRow>;
  get(accountId: string, applicationId: string): Promise<ApplicationRow | undefined>;
  list(accountId: string, filter?: { alias?: string }, page?: ListOptions): Promise<Page<ApplicationRow>>;
  update(
    accountId: string,
    applicationId: string,
    patch: Patch<ApplicationRow>,
  ): Promise<ApplicationRow | undefined>;
  delete(accountId: string, applicationId: string): Promise<boolean>;
}

export interface PhoneNumberRepo {
  create(row: Omit<PhoneNumberRow, "dateCreated" | "dateUpdated" | "revision">): Promise<PhoneNumberRow>;
  get(accountId: string, phoneNumberId: string): Promise<PhoneNumberRow | undefined>;
  /** Any account's number with this E.164 value: inbound routing starts here. */
  findByNumber(phoneNumber: string): Promise<PhoneNumberRow | undefined>;
  list(
    accountId: string,
    filter?: { phoneNumber?: string; alias?: string; applicationId?: string; hasApplication?: boolean },
    page?: ListOptions,
  ): Promise<Page<PhoneNumberRow>>;
  update(
    accountId: string,
    phoneNumberId: string,
    patch: Patch<PhoneNumberRow>,
  ): Promise<PhoneNumberRow | undefined>;
  delete(accountId: string, phoneNumberId: string): Promise<boolean>;
}

export interface CallFilter {
  active?: boolean;
  to?: string;
  from?: string;
  status?: CallStatus;
  startTimeFrom?: number;
  startTimeTo?: number;
  endTimeFrom?: number;
  endTimeTo?: number;
  parentCallId?: string;
  applicationId?: string;
  /** Calls of any of these applications (FreeClimb's repeated `applicationId` query). */
  applicationIds?: readonly string[];
}

export interface CallRepo {
  create(row: Omit<CallRow, "dateCreated" | "dateUpdated" | "revision">): Promise<CallRow>;
  get(accountId: string, callId: string): Promise<CallRow | undefined>;
  list(accountId: string, filter?: CallFilter, page?: ListOptions): Promise<Page<CallRow>>;
  /** Bumps revision and dateUpdated. */
  update(accountId: string, callId: string, patch: Patch<CallRow>): Promise<CallRow | undefined>;
  /** Every account's calls still queued, ringing or inProgress, oldest first (crash recovery). */
  listActiveAnyAccount(): Promise<CallRow[]>;
}

export interface RecordingFilter {
  callId?: string;
  conferenceId?: string;
  /** Creation day, UTC, as [start, end) epoch ms. */
  createdFrom?: number;
  createdTo?: number;
  /** Leaves out recordings whose deleteAt is at or before this time: gone, even if not yet swept. */
  liveAt?: number;
}

export interface RecordingRepo {
  create(row: Omit<RecordingRow, "dateCreated" | "dateUpdated" | "revision">): Promise<RecordingRow>;
  get(accountId: string, recordingId: string): Promise<RecordingRow | undefined>;
  /** Lookup without an account, for resolving a recordingUrl inside Belay (Play). */
  getAnyAccount(recordingId: string): Promise<RecordingRow | undefined>;
  list(accountId: string, filter?: RecordingFilter, page?: ListOptions): Promise<Page<RecordingRow>>;
  delete(accountId: string, recordingId: string): Promise<boolean>;
  /** privacyMode recordings whose deleteAt has passed. */
  listExpired(now: number): Promise<RecordingRow[]>;
}

export interface WebhookDeliveryRepo {
  /** `redacted` defaults to false. */
  create(
    row: Omit<WebhookDeliveryRow, "dateCreated" | "dateUpdated" | "redacted"> & { redacted?: boolean },
  ): Promise<WebhookDeliveryRow>;
  update(
    deliveryId: string,
    patch: Partial<Omit<WebhookDeliveryRow, "deliveryId" | "dateCreated">>,
  ): Promise<void>;
  get(deliveryId: string): Promise<WebhookDeliveryRow | undefined>;
  /** Durable deliveries still pending whose nextAttemptAt <= now, oldest first. */
  listDue(now: number, limit: number): Promise<WebhookDeliveryRow[]>;
  listByCall(callId: string): Promise<WebhookDeliveryRow[]>;
  /**
   * Deletes up to `limit` delivered or failed deliveries last updated before `before`, oldest
   * first; pending ones are never touched. Resolves with how many it deleted.
   */
  deleteSettledBefore(before: number, limit: number): Promise<number>;
}

/** The calls and recordings in progress, kept so a restart can finish what a crash left. */
export interface LiveWorkRepo {
  addCall(row: Omit<LiveCallRow, "dateCreated">): Promise<void>;
  removeCall(callId: string): Promise<void>;
  listCalls(): Promise<LiveCallRow[]>;
  /** Durable when it returns, like a finished recording's row: a power cut cannot orphan the file. */
  addRecording(row: Omit<LiveRecordingRow, "dateCreated">): Promise<void>;
  removeRecording(recordingId: string): Promise<void>;
  listRecordings(): Promise<LiveRecordingRow[]>;
}

export interface DeviceRepo {
  /** STORE_CONFLICT when the account already has a device with this number. */
  create(row: Omit<DeviceRow, "dateCreated" | "dateUpdated" | "revision">): Promise<DeviceRow>;
  get(accountId: string, phoneNumber: string): Promise<DeviceRow | undefined>;
  list(accountId: string, page?: ListOptions): Promise<Page<DeviceRow>>;
  /** Changes what the patch names; undefined when the account has no such device. */
  update(
    accountId: string,
    phoneNumber: string,
    patch: Partial<Omit<DeviceRow, "accountId" | "phoneNumber" | "dateCreated" | "dateUpdated" | "revision">>,
  ): Promise<DeviceRow | undefined>;
  delete(accountId: string, phoneNumber: string): Promise<boolean>;
}

/** OpenAPI ConferenceStatus. */
export type ConferenceStatus = "empty" | "populated" | "inProgress" | "terminated";
/** OpenAPI PlayBeep. */
export type PlayBeep = "always" | "never" | "entryOnly" | "exitOnly";

export interface ConferenceRow {
  /** CF + 40 hex (src/contract/ids.ts newId("CF")). */
  conferenceId: string;
  accountId: string;
  alias: string | null;
  playBeep: PlayBeep;
  record: boolean;
  status: ConferenceStatus;
  waitUrl: string | null;
  actionUrl: string | null;
  statusCallbackUrl: string | null;
  /** The call that created it with CreateConference; null when created with POST /Conferences. */
  callId: string | null;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface ParticipantRow {
  accountId: string;
  conferenceId: string;
  callId: string;
  talk: boolean;
  listen: boolean;
  dtmfPassThrough: boolean;
  startConfOnEnter: boolean;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface ConferenceFilter {
  status?: ConferenceStatus;
  alias?: string;
  /** Creation / update day, UTC, as [from, to) epoch ms (FreeClimb's dateCreated/dateUpdated filters). */
  createdFrom?: number;
  createdTo?: number;
  updatedFrom?: number;
  updatedTo?: number;
}

export interface ConferenceRepo {
  create(row: Omit<ConferenceRow, "dateCreated" | "dateUpdated" | "revision">): Promise<ConferenceRow>;
  get(accountId: string, conferenceId: string): Promise<ConferenceRow | undefined>;
  list(accountId: string, filter?: ConferenceFilter, page?: ListOptions): Promise<Page<ConferenceRow>>;
  /** Bumps revision and dateUpdated. */
  update(
    accountId: string,
    conferenceId: string,
    patch: Partial<Pick<ConferenceRow, "alias" | "playBeep" | "status">>,
  ): Promise<ConferenceRow | undefined>;
  /** Every account's conferences not terminated (crash recovery ends them). */
  listUnterminated(): Promise<ConferenceRow[]>;
}

/** A call queue (FreeClimb QueueResult). Its members are live calls and live only in the engine. */
export interface QueueRow {
  /** QU + 40 hex. */
  queueId: string;
  accountId: string;
  alias: string | null;
  /** Default 100, at most 1000; a queue at or above it refuses new callers. */
  maxSize: number;
  /** How many callers have left the queue, and their seconds in it: averageQueueRemovalTime. */
  removals: number;
  removalSeconds: number;
  dateCreated: number;
  dateUpdated: number;
  revision: number;
}

export interface QueueRepo {
  create(row: Pick<QueueRow, "queueId" | "accountId" | "alias" | "maxSize">): Promise<QueueRow>;
  get(accountId: string, queueId: string): Promise<QueueRow | undefined>;
  /** Any account's queue by id (ids are unique across accounts). */
  find(queueId: string): Promise<QueueRow | undefined>;
  list(accountId: string, filter?: { alias?: string }, page?: ListOptions): Promise<Page<QueueRow>>;
  /** Bumps revision and dateUpdated. */
  update(
    accountId: string,
    queueId: string,
    patch: Partial<Pick<QueueRow, "alias" | "maxSize">>,
  ): Promise<QueueRow | undefined>;
  /** A caller left after `seconds` in the queue (not a revision: the queue's settings did not change). */
  recordRemoval(accountId: string, queueId: string, seconds: number): Promise<void>;
}

export interface ParticipantFilter {
  talk?: boolean;
  listen?: boolean;
  dtmfPassThrough?: boolean;
}

/** A participant's row exists while its call is in the conference; it is deleted when it leaves. */
export interface ParticipantRepo {
  create(row: Omit<ParticipantRow, "dateCreated" | "dateUpdated" | "revision">): Promise<ParticipantRow>;
  get(accountId: string, conferenceId: string, callId: string): Promise<ParticipantRow | undefined>;
  list(
    accountId: string,
    conferenceId: string,
    filter?: ParticipantFilter,
    page?: ListOptions,
  ): Promise<Page<ParticipantRow>>;
  update(
    accountId: string,
    conferenceId: string,
    callId: string,
    patch: Partial<Pick<ParticipantRow, "talk" | "listen" | "dtmfPassThrough">>,
  ): Promise<ParticipantRow | undefined>;
  delete(accountId: string, conferenceId: string, callId: string): Promise<boolean>;
  /** All participants of a conference are gone (it terminated). */
  deleteAll(accountId: string, conferenceId: string): Promise<number>;
}

export interface CallLogRepo {
  create(row: Omit<CallLogRow, "dateCreated">): Promise<void>;
  /**
   * Newest first (by timestamp, then by insertion). `snapshot` is the position of the newest
   * entry when the listing began: pass it back as `upToSeq` so later pages list the same entries.
   */
  list(
    accountId: string,
    filter?: CallLogFilter,
    page?: ListOptions,
  ): Promise<Page<CallLogRow> & { snapshot: number }>;
  /** Deletes up to `limit` entries stored before `before` (epoch ms), oldest first; resolves with how many. */
  deleteBefore(before: number, limit: number): Promise<number>;
}

/**
 * A confirmed SIP dialog, kept while it lasts: everything an in-dialog BYE needs, so that a Belay
 * restarted after a crash can end the call on the peer's side (docs/sip.md, "After a restart").
 */
export interface SipDialogRow {
  /** The SIP Call-ID. */
  sipCallId: string;
  localTag: string;
  remoteTag: string;
  /** From in Belay's requests, as sent (name-addr with Belay's tag). */
  localUri: string;
  /** To in Belay's requests, as sent (name-addr with the peer's tag). */
  remoteUri: string;
  /** The Request-URI of in-dialog requests: the peer's Contact. */
  remoteTarget: string;
  /** Route headers of in-dialog requests, in order. */
  routeSet: string[];
  /** The highest CSeq Belay has used in the dialog: its next request uses a higher one. */
  localCseq: number;
  /** Where in-dialog requests go (UDP). */
  destinationAddress: string;
  destinationPort: number;
  /** Belay's call (CA…) and its account. */
  callId: string;
  accountId: string;
  dateCreated: number;
}

export type SipDialogKey = Pick<SipDialogRow, "sipCallId" | "localTag" | "remoteTag">;

export interface SipDialogRepo {
  /** One insert when a dialog is confirmed. */
  create(row: Omit<SipDialogRow, "dateCreated">): Promise<void>;
  /** One delete when it ends; false when there was no such row. */
  delete(key: SipDialogKey): Promise<boolean>;
  /** Every dialog still recorded, oldest first: those a previous process left, at start-up. */
  list(): Promise<SipDialogRow[]>;
}

export interface Store {
  readonly accounts: AccountRepo;
  readonly applications: ApplicationRepo;
  readonly numbers: PhoneNumberRepo;
  readonly calls: CallRepo;
  readonly recordings: RecordingRepo;
  readonly deliveries: WebhookDeliveryRepo;
  readonly devices: DeviceRepo;
  readonly sipDialogs: SipDialogRepo;
  readonly live: LiveWorkRepo;
  readonly conferences: ConferenceRepo;
  readonly participants: ParticipantRepo;
  readonly callLogs: CallLogRepo;
  readonly queues: QueueRepo;
  close(): Promise<void>;
  /**
   * Told when the disk runs low (true) or has room again (false), so the store can give back
   * space it holds without need (SQLite: its WAL). Optional: a store with nothing to give back
   * leaves it out.
   */
  diskLow?(low: boolean): void;
}
