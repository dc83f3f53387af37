import Database from "better-sqlite3";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";

export const FLOOR_ACCOUNT = "ACfloor";

/**
 * Belay's schema in `file` (made by its migrations: indexes and foreign keys included) with one
 * account, opened on better-sqlite3 directly as Belay opens it (WAL, synchronous=NORMAL, foreign
 * keys on), and the prepared statements a virtual call's rows take. For the benchmarks' limits:
 * the store's work with none of Belay's code around it.
 */
export async function openFloorDatabase(file: string) {
  const store = await openSqliteStore(file);
  await store.accounts.create({
    accountId: FLOOR_ACCOUNT,
    apiKey: "floor",
    signingSecret: "floor",
    alias: null,
  });
  await store.close();
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  return { db, statements: prepare(db) };
}

function prepare(db: Database.Database) {
  return {
    insertCall: db.prepare(
      `insert into calls (call_id, account_id, application_id, from_address, to_address, direction,
         status, start_time, date_created, date_updated, revision)
       values (@id, '${FLOOR_ACCOUNT}', 'APfloor', '+15550001111', '+15550002222', 'inbound', 'ringing', @now, @now, @now, 1)`,
    ),
    answerCall: db.prepare(
      "update calls set status = 'inProgress', connect_time = @now, date_updated = @now, revision = revision + 1 where call_id = @id",
    ),
    endCall: db.prepare(
      `update calls set status = 'completed', call_ended_reason = 'hangup', end_time = @now,
         date_updated = @now, revision = revision + 1 where call_id = @id`,
    ),
    insertDelivery: db.prepare(
      `insert into webhook_deliveries (delivery_id, account_id, call_id, request_type, url, body,
         durable, state, attempts, next_attempt_at, date_created, date_updated)
       values (@id, '${FLOOR_ACCOUNT}', @call, @type, 'http://127.0.0.1/ping', @body, @durable, @state, 0, @now, @now, @now)`,
    ),
    delivered: db.prepare(
      "update webhook_deliveries set state = 'delivered', attempts = 1, next_attempt_at = null, date_updated = @now where delivery_id = @id",
    ),
    insertRecording: db.prepare(
      `insert into recordings (recording_id, account_id, call_id, blob_key, size_bytes, duration_ms,
         privacy_mode, date_created, date_updated, revision)
       values (@id, '${FLOOR_ACCOUNT}', @call, 'recordings/floor.wav', @size, 30000, 0, @now, @now, 1)`,
    ),
  };
}

/** A webhook-log row: a PerCL request is logged once answered, a notification pending until sent. */
export function deliveryRow(
  id: string,
  call: string,
  type: string,
  body: string,
  durable: boolean,
  now: number,
) {
  return { id, call, type, body, durable: durable ? 1 : 0, state: durable ? "pending" : "delivered", now };
}

/**
 * Runs statements in the transaction of the current event-loop turn, begun by the first and
 * committed by a setImmediate, as Belay's store groups its writes (src/store/sql/group-commit-driver.ts);
 * resolves once that transaction has committed.
 */
export function turnTransactions(db: Database.Database): (statements: () => void) => Promise<void> {
  let open: Promise<void> | undefined;
  return (statements) => {
    if (open === undefined) {
      db.exec("begin immediate");
      open = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          open = undefined;
          try {
            db.exec("commit");
            resolve();
          } catch (err) {
            reject(err);
          }
        });
      });
    }
    statements();
    return open;
  };
}
