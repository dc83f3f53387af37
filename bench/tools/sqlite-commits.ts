/**
 * What a virtual call's rows cost SQLite itself, with none of Belay's code: the writes of one call
 * (its row and three updates, three webhook-log rows and one update, the recording's row) as
 * the floor's prepared statements on better-sqlite3 against Belay's schema (bench/lib/floor-db.ts),
 * in these variants:
 *
 *   commit-each   a commit per statement, as Belay does (synchronous=NORMAL, WAL)
 *   batched       the statements of 32 calls in one transaction (as group commit can)
 *   random-ids    batched, with ids random throughout instead of time first (src/contract/ids.ts)
 *   no-indexes    commit-each without the calls table's seven filter indexes
 *   returning     batched, with RETURNING * on every statement (as Belay's inserts once had)
 *
 *   node --import tsx bench/tools/sqlite-commits.ts [--calls 3000]
 *
 * A diagnostic for docs/benchmarks.md, not one of the benchmarks: it prints, and saves nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Statement } from "better-sqlite3";
import { numberOption } from "../lib/args.js";
import { deliveryRow, openFloorDatabase } from "../lib/floor-db.js";

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

type Variant = "commit-each" | "batched" | "random-ids" | "no-indexes" | "returning";

/** Ids in order of creation, as Belay's are (time first), or random throughout. */
function idMaker(random: boolean): (prefix: string, n: number) => string {
  return random
    ? (prefix) => `${prefix}${randomBytes(20).toString("hex")}`
    : (prefix, n) => `${prefix}${String(n).padStart(40, "0")}`;
}

async function run(variant: Variant): Promise<number> {
  const folder = await mkdtemp(path.join(tmpdir(), "belay-sqlite-commits-"));
  try {
    const { db, statements } = await openFloorDatabase(path.join(folder, "belay.db"));
    if (variant === "no-indexes") for (const index of CALL_FILTER_INDEXES) db.exec(`drop index ${index}`);
    const batched = variant === "batched" || variant === "random-ids" || variant === "returning";
    const run = (statement: Statement) => {
      if (variant !== "returning") return (params: object) => statement.run(params);
      const withRows = db.prepare(`${statement.source} returning *`);
      return (params: object) => withRows.all(params);
    };
    const insertCall = run(statements.insertCall);
    const answerCall = run(statements.answerCall);
    const endCall = run(statements.endCall);
    const insertDelivery = run(statements.insertDelivery);
    const delivered = run(statements.delivered);
    const insertRecording = run(statements.insertRecording);
    const makeId = idMaker(variant === "random-ids");
    // Made before the clock starts, so only SQLite's work is timed.
    const ids = Array.from({ length: CALLS }, (_, n) => ({
      call: makeId("CA", n),
      requests: [makeId("RQ", 3 * n), makeId("RQ", 3 * n + 1), makeId("RQ", 3 * n + 2)] as const,
      recording: makeId("RE", n),
    }));
    const started = performance.now();
    for (let n = 0; n < CALLS; n++) {
      if (batched && n % BATCH === 0) db.exec("begin");
      const { call: id, requests, recording } = ids[n] as (typeof ids)[number];
      const now = Date.now();
      insertCall({ id, now });
      answerCall({ id, now });
      insertDelivery(deliveryRow(requests[0], id, "inboundCall", BODY, false, now));
      insertDelivery(deliveryRow(requests[1], id, "record", BODY, false, now));
      insertRecording({ id: recording, call: id, size: 480_044, now });
      answerCall({ id, now });
      endCall({ id, now });
      insertDelivery(deliveryRow(requests[2], id, "callStatus", BODY, true, now));
      delivered({ id: requests[2], now });
      if (batched && (n % BATCH === BATCH - 1 || n === CALLS - 1)) db.exec("commit");
    }
    const perCallUs = ((performance.now() - started) / CALLS) * 1000;
    db.close();
    return perCallUs;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

for (const variant of ["commit-each", "batched", "random-ids", "no-indexes", "returning"] as const) {
  process.stdout.write(`${variant}: ${Math.round(await run(variant))} µs per call\n`);
}
