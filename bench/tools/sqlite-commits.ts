/**
 * What a virtual call's rows cost SQLite itself, with none of Belay's code: the writes of one call
 * (its row and three updates, three webhook-log rows and one update, the recording's row) as
 * prepared statements on better-sqlite3 against Belay's schema, in three variants:
 *
 *   commit-each   a commit per statement, as Belay does (synchronous=NORMAL, WAL)
 *   batched       the statements of 32 calls in one transaction (what group commit would do)
 *   no-indexes    commit-each without the calls table's seven filter indexes
 *
 *   node --import tsx bench/tools/sqlite-commits.ts [--calls 3000]
 *
 * A diagnostic for docs/benchmarks.md, not one of the benchmarks: it prints, and saves nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import { numberOption } from "../lib/args.js";

const CALLS = numberOption("--calls", 3000);
const BATCH = 32;
const CALL_FILTER_INDEXES = [
  "calls_account_status_idx",
  "calls_account_to_idx",
  "calls_account_from_idx",
  "calls_account_start_idx",
  "calls_account_end_idx",
  "calls_account_application_idx",
  "calls_parent_idx",
];
const BODY = JSON.stringify({ requestType: "record", padding: "x".repeat(600) });

async function run(variant: "commit-each" | "batched" | "no-indexes"): Promise<number> {
  const folder = await mkdtemp(path.join(tmpdir(), "belay-sqlite-commits-"));
  try {
    const file = path.join(folder, "belay.db");
    const store = await openSqliteStore(file);
    await store.accounts.create({ accountId: "AC1", apiKey: "k", signingSecret: "s", alias: null });
    await store.close();
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    if (variant === "no-indexes") for (const index of CALL_FILTER_INDEXES) db.exec(`drop index ${index}`);
    const insertCall = db.prepare(
      `insert into calls (call_id, account_id, from_address, to_address, direction, status, start_time,
         date_created, date_updated, revision) values (@id, 'AC1', '+15550001111', '+15550002222',
         'inbound', 'ringing', @now, @now, @now, 1)`,
    );
    const setStatus = db.prepare(
      "update calls set status = @status, date_updated = @now, revision = revision + 1 where call_id = @id",
    );
    const insertDelivery = db.prepare(
      `insert into webhook_deliveries (delivery_id, account_id, call_id, request_type, url, body, durable,
         state, attempts, date_created, date_updated) values (@id, 'AC1', @call, 'record',
         'http://127.0.0.1/x', @body, 0, 'delivered', 1, @now, @now)`,
    );
    const delivered = db.prepare("update webhook_deliveries set attempts = 2 where delivery_id = @id");
    const insertRecording = db.prepare(
      `insert into recordings (recording_id, account_id, call_id, blob_key, size_bytes, duration_ms,
         privacy_mode, date_created, date_updated, revision) values (@id, 'AC1', @call, 'r.wav', 480044,
         30000, 0, @now, @now, 1)`,
    );
    const started = performance.now();
    for (let n = 0; n < CALLS; n++) {
      if (variant === "batched" && n % BATCH === 0) db.exec("begin");
      const id = `CA${String(n).padStart(40, "0")}`;
      const now = Date.now();
      insertCall.run({ id, now });
      setStatus.run({ id, now, status: "inProgress" });
      for (const k of ["a", "b", "c"]) insertDelivery.run({ id: `RQ${n}${k}`, call: id, body: BODY, now });
      insertRecording.run({ id: `RE${n}`, call: id, now });
      setStatus.run({ id, now, status: "inProgress" });
      setStatus.run({ id, now, status: "completed" });
      delivered.run({ id: `RQ${n}c` });
      if (variant === "batched" && (n % BATCH === BATCH - 1 || n === CALLS - 1)) db.exec("commit");
    }
    const perCallUs = ((performance.now() - started) / CALLS) * 1000;
    db.close();
    return perCallUs;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

for (const variant of ["commit-each", "batched", "no-indexes"] as const) {
  process.stdout.write(`${variant}: ${Math.round(await run(variant))} µs per call\n`);
}
