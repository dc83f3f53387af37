import type { Kysely } from "kysely";
import type { Store } from "../types.js";
import { SqlAccountRepo } from "./accounts.js";
import { SqlApplicationRepo } from "./applications.js";
import { SqlCallRepo } from "./calls.js";
import { SqlWebhookDeliveryRepo } from "./deliveries.js";
import { SqlDeviceRepo } from "./devices.js";
import { SqlPhoneNumberRepo } from "./numbers.js";
import { SqlRecordingRepo } from "./recordings.js";
import type { Database } from "./schema.js";

export interface SqlStoreOptions {
  /** Epoch-ms clock for dateCreated/dateUpdated; Date.now unless a test or simulated clock is given. */
  now?: () => number;
}

/**
 * The Store over any Kysely dialect whose schema is migrated (see migrations/). Owns `db`:
 * close() destroys it.
 */
export function createSqlStore(db: Kysely<Database>, options: SqlStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  let closing: Promise<void> | undefined;
  return {
    accounts: new SqlAccountRepo(db, now),
    applications: new SqlApplicationRepo(db, now),
    numbers: new SqlPhoneNumberRepo(db, now),
    calls: new SqlCallRepo(db, now),
    recordings: new SqlRecordingRepo(db, now),
    deliveries: new SqlWebhookDeliveryRepo(db, now),
    devices: new SqlDeviceRepo(db, now),
    close() {
      closing ??= db.destroy();
      return closing;
    },
  };
}
