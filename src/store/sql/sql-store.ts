import type { Kysely } from "kysely";
import type { Store } from "../types.js";
import { SqlAccountRepo } from "./accounts.js";
import { SqlApplicationRepo } from "./applications.js";
import { SqlCallLogRepo } from "./call-logs.js";
import { SqlCallRepo } from "./calls.js";
import { SqlConferenceRepo } from "./conferences.js";
import { SqlWebhookDeliveryRepo } from "./deliveries.js";
import { SqlDeviceRepo } from "./devices.js";
import { SqlLiveWorkRepo } from "./live-work.js";
import { SqlPhoneNumberRepo } from "./numbers.js";
import { SqlParticipantRepo } from "./participants.js";
import { SqlQueueRepo } from "./queues.js";
import { SqlRecordingRepo } from "./recordings.js";
import type { Database } from "./schema.js";
import { SqlSipDialogRepo } from "./sip-dialogs.js";

export interface SqlStoreOptions {
  /** Epoch-ms clock for dateCreated/dateUpdated; Date.now unless a test or simulated clock is given. */
  now?: () => number;
}

/**
 * Runs a write that must survive a power loss before it returns, for dialects whose ordinary
 * commits do not (SQLite with synchronous=NORMAL). The default runs it as it is.
 */
export type DurableWrite = <T>(
  db: Kysely<Database>,
  write: (db: Kysely<Database>) => Promise<T>,
) => Promise<T>;

/** How a dialect makes writes durable, and what it has to release when the store closes. */
export interface Durability {
  durably: DurableWrite;
  close(): Promise<void>;
}

const asIs: Durability = { durably: (db, write) => write(db), close: async () => {} };

/**
 * The Store over any Kysely dialect whose schema is migrated (see migrations/). Owns `db` and
 * `durability`: close() destroys the one, then closes the other.
 */
export function createSqlStore(
  db: Kysely<Database>,
  options: SqlStoreOptions = {},
  durability: Durability = asIs,
): Store {
  const now = options.now ?? Date.now;
  let closing: Promise<void> | undefined;
  return {
    accounts: new SqlAccountRepo(db, now),
    applications: new SqlApplicationRepo(db, now),
    numbers: new SqlPhoneNumberRepo(db, now),
    calls: new SqlCallRepo(db, now),
    recordings: new SqlRecordingRepo(db, now, durability.durably),
    deliveries: new SqlWebhookDeliveryRepo(db, now),
    devices: new SqlDeviceRepo(db, now),
    sipDialogs: new SqlSipDialogRepo(db, now),
    live: new SqlLiveWorkRepo(db, now, durability.durably),
    conferences: new SqlConferenceRepo(db, now),
    participants: new SqlParticipantRepo(db, now),
    callLogs: new SqlCallLogRepo(db, now),
    queues: new SqlQueueRepo(db, now),
    close() {
      closing ??= db.destroy().finally(() => durability.close());
      return closing;
    },
  };
}
