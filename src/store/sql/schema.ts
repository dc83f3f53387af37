import type { ColumnType } from "kysely";
import type {
  CallDirection,
  CallLogLevel,
  CallStatus,
  ConferenceStatus,
  DeliveryState,
  DeviceMode,
  LiveRecordingKind,
  PlayBeep,
} from "../types.js";

/**
 * Table types as the database sees them. Column names are snake_case; the repos map them to the
 * camelCase records of ../types.ts through one small pair of functions per table.
 *
 * Timestamps (epoch ms) and sizes are 64-bit integers. Written as JS numbers; read back as numbers
 * from SQLite but as strings from node-postgres, so every read goes through codec.ts.
 */
export type Int64 = ColumnType<number | string | bigint, number, number>;
export type NullableInt64 = ColumnType<number | string | bigint | null, number | null, number | null>;

/** A boolean stored as integer 0/1: portable, and PostgreSQL's driver returns it as a number. */
export type Flag = ColumnType<number, number, number>;

/**
 * Insertion order assigned by the database (SQLite rowid, PostgreSQL bigserial). Never written by
 * Belay; it breaks ties between rows created in the same millisecond so newest-first is stable.
 */
export type Sequence = ColumnType<number | string | bigint, never, never>;

export interface AccountsTable {
  seq: Sequence;
  account_id: string;
  api_key: string;
  signing_secret: string;
  alias: string | null;
  /** Added by 0006_account_label. */
  label: string | null;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

export interface ApplicationsTable {
  seq: Sequence;
  application_id: string;
  account_id: string;
  alias: string | null;
  voice_url: string | null;
  voice_fallback_url: string | null;
  call_connect_url: string | null;
  status_callback_url: string | null;
  sms_url: string | null;
  sms_fallback_url: string | null;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

export interface IncomingPhoneNumbersTable {
  seq: Sequence;
  phone_number_id: string;
  account_id: string;
  phone_number: string;
  alias: string | null;
  application_id: string | null;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

export interface CallsTable {
  seq: Sequence;
  call_id: string;
  account_id: string;
  parent_call_id: string | null;
  application_id: string | null;
  phone_number_id: string | null;
  /** `from` and `to` are SQL keywords; these names keep hand-written SQL painless. */
  from_address: string;
  to_address: string;
  direction: CallDirection;
  status: CallStatus;
  call_ended_reason: string | null;
  start_time: NullableInt64;
  connect_time: NullableInt64;
  end_time: NullableInt64;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

export interface RecordingsTable {
  seq: Sequence;
  recording_id: string;
  account_id: string;
  call_id: string;
  conference_id: string | null;
  blob_key: string;
  size_bytes: Int64;
  duration_ms: Int64;
  privacy_mode: Flag;
  delete_at: NullableInt64;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

export interface WebhookDeliveriesTable {
  seq: Sequence;
  delivery_id: string;
  account_id: string;
  call_id: string | null;
  request_type: string;
  url: string;
  body: string;
  /** Added by 0005_delivery_retention, default 0. */
  redacted: Flag;
  durable: Flag;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: NullableInt64;
  last_status: number | null;
  last_error: string | null;
  latency_ms: number | null;
  date_created: Int64;
  date_updated: Int64;
}

export interface DevicesTable {
  seq: Sequence;
  account_id: string;
  phone_number: string;
  mode: DeviceMode;
  answer_after_ms: Int64;
  audio_blob_key: string | null;
  audio_samples: Int64;
  audio_at_ms: Int64;
  /** JSON array of {keys, atMs}. */
  dtmf: string;
  hangup_at_ms: NullableInt64;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

export interface SipDialogsTable {
  seq: Sequence;
  sip_call_id: string;
  local_tag: string;
  remote_tag: string;
  local_uri: string;
  remote_uri: string;
  remote_target: string;
  /** JSON array of Route header values. */
  route_set: string;
  local_cseq: Int64;
  destination_address: string;
  destination_port: number;
  call_id: string;
  account_id: string;
  date_created: Int64;
}

/** A call a process is running (docs/operations/crash-recovery.md). */
export interface LiveCallsTable {
  call_id: string;
  account_id: string;
  status_callback_url: string | null;
  connect_url: string | null;
  date_created: Int64;
}

/** A recording being written. */
export interface LiveRecordingsTable {
  recording_id: string;
  account_id: string;
  call_id: string;
  blob_key: string;
  action_url: string;
  privacy_mode: Flag;
  date_created: Int64;
  /** Added by 0009_live_recording_kind, default "utterance". */
  kind: LiveRecordingKind;
  conference_id: string | null;
}

/** A conference (0008_conferences); kept after it terminates, as history. */
export interface ConferencesTable {
  seq: Sequence;
  conference_id: string;
  account_id: string;
  alias: string | null;
  play_beep: PlayBeep;
  record: Flag;
  status: ConferenceStatus;
  wait_url: string | null;
  action_url: string | null;
  status_callback_url: string | null;
  call_id: string | null;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

/** A call in a conference, while it is in it (0008_conferences). */
export interface ConferenceParticipantsTable {
  seq: Sequence;
  account_id: string;
  conference_id: string;
  call_id: string;
  talk: Flag;
  listen: Flag;
  dtmf_pass_through: Flag;
  start_conf_on_enter: Flag;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

/** A call queue (0010_queues); its members are live calls, kept by the engine. */
export interface QueuesTable {
  seq: Sequence;
  queue_id: string;
  account_id: string;
  alias: string | null;
  max_size: number;
  removals: number;
  removal_seconds: Int64;
  date_created: Int64;
  date_updated: Int64;
  revision: number;
}

/** A call's log entry (0007_call_logs). */
export interface CallLogsTable {
  seq: Sequence;
  account_id: string;
  call_id: string | null;
  timestamp_us: Int64;
  level: CallLogLevel;
  request_id: string | null;
  /** JSON text. */
  metadata: string | null;
  message: string;
  date_created: Int64;
}

export interface Database {
  accounts: AccountsTable;
  applications: ApplicationsTable;
  incoming_phone_numbers: IncomingPhoneNumbersTable;
  calls: CallsTable;
  recordings: RecordingsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  devices: DevicesTable;
  sip_dialogs: SipDialogsTable;
  live_calls: LiveCallsTable;
  live_recordings: LiveRecordingsTable;
  conferences: ConferencesTable;
  conference_participants: ConferenceParticipantsTable;
  call_logs: CallLogsTable;
  queues: QueuesTable;
}

/** The SQL dialects the store's migrations know how to speak. */
export type SqlDialectName = "sqlite" | "postgres";
