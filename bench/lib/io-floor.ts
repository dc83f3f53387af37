import { mkdir, open, rename, rm } from "node:fs/promises";
import { Agent } from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { GroupSync } from "../../src/store/group-sync.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import { fsyncPath } from "./fsync-path.js";
import { postJson } from "./post.js";

const ACCOUNT = "ACfloor";

export interface IoFloorOptions {
  /** A folder of its own; created, and removed afterwards. */
  folder: string;
  /** Where the three webhook bodies are POSTed (the benchmark app's /ping). */
  pingUrl: string;
  /** The bodies of one call's webhooks, as Belay sent them (inboundCall, record, callStatus). */
  bodies: string[];
  recordingBytes: number;
  chunkBytes: number;
  calls: number;
  concurrency: number;
}

/**
 * The I/O a virtual voicemail call cannot do without, done by bare Node with none of Belay's code:
 * its rows written with prepared statements on better-sqlite3 against Belay's schema (one commit
 * each, synchronous=NORMAL in WAL mode, the recording's row followed by a WAL fsync shared by
 * the calls that ask together, as Belay commits them), its recording written in the same chunks,
 * fdatasynced, renamed into place with its folder fsynced, and its three webhooks POSTed over
 * keep-alive to the same app. No audio is processed, no PerCL parsed, no webhook signed. Of
 * Belay it uses only its migrations (for the schema) and GroupSync (to share fsyncs as Belay does).
 */
export async function measureIoFloor(
  options: IoFloorOptions,
): Promise<{ callsPerSecond: number; cpuMsPerCall: number }> {
  const dbFile = path.join(options.folder, "floor.db");
  const blobs = path.join(options.folder, "blobs");
  await mkdir(blobs, { recursive: true });
  // Belay's migrations make the schema, indexes and foreign keys included; then the store is left.
  const store = await openSqliteStore(dbFile);
  await store.accounts.create({ accountId: ACCOUNT, apiKey: "floor", signingSecret: "floor", alias: null });
  await store.close();
  const db = new Database(dbFile);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const agent = new Agent({ keepAlive: true });
  try {
    const statements = prepare(db);
    const walSync = new GroupSync(() => fsyncPath(`${dbFile}-wal`));
    const folderSync = new GroupSync(() => fsyncPath(blobs));
    const recording = Buffer.alloc(options.recordingBytes, 0x2a);
    const pingUrl = new URL(options.pingUrl);
    const post = (body: string) => postJson(pingUrl, body, agent);
    const [inbound = "{}", record = "{}", status = "{}"] = options.bodies;

    let next = 0;
    const oneCall = async (n: number) => {
      const callId = `CA${String(n).padStart(40, "0")}`;
      const now = Date.now();
      await post(inbound);
      statements.insertCall.run({ id: callId, now });
      statements.setStatus.run({ id: callId, now });
      statements.insertDelivery.run(delivery(`RQ${n}a`, callId, "inboundCall", inbound, false, now));
      const part = path.join(blobs, `${callId}.wav.partial`);
      const file = await open(part, "w");
      try {
        for (let at = 0; at < recording.length; at += options.chunkBytes)
          await file.write(recording, at, Math.min(options.chunkBytes, recording.length - at), at);
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(part, path.join(blobs, `${callId}.wav`));
      await folderSync.sync();
      statements.insertRecording.run({ id: `RE${n}`, call: callId, size: recording.length, now });
      await walSync.sync();
      await post(record);
      statements.insertDelivery.run(delivery(`RQ${n}b`, callId, "record", record, false, now));
      statements.endCall.run({ id: callId, now });
      statements.insertDelivery.run(delivery(`RQ${n}c`, callId, "callStatus", status, true, now));
      await post(status);
      statements.delivered.run({ id: `RQ${n}c`, now });
    };
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, options.calls) }, async () => {
        while (next < options.calls) await oneCall(next++);
      }),
    );
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      callsPerSecond: Math.round((options.calls / wallMs) * 10_000) / 10,
      cpuMsPerCall: Math.round(((cpu.user + cpu.system) / 1000 / options.calls) * 100) / 100,
    };
  } finally {
    agent.destroy();
    db.close();
    await rm(options.folder, { recursive: true, force: true });
  }
}

function prepare(db: Database.Database) {
  return {
    insertCall: db.prepare(
      `insert into calls (call_id, account_id, application_id, from_address, to_address, direction,
         status, start_time, date_created, date_updated, revision)
       values (@id, '${ACCOUNT}', 'APfloor', '+15550001111', '+15550002222', 'inbound', 'ringing', @now, @now, @now, 1)`,
    ),
    setStatus: db.prepare(
      "update calls set status = 'inProgress', connect_time = @now, date_updated = @now, revision = revision + 1 where call_id = @id",
    ),
    endCall: db.prepare(
      `update calls set status = 'completed', call_ended_reason = 'hangup', end_time = @now,
         date_updated = @now, revision = revision + 1 where call_id = @id`,
    ),
    insertDelivery: db.prepare(
      `insert into webhook_deliveries (delivery_id, account_id, call_id, request_type, url, body,
         durable, state, attempts, next_attempt_at, date_created, date_updated)
       values (@id, '${ACCOUNT}', @call, @type, 'http://127.0.0.1/ping', @body, @durable, @state, 0, @now, @now, @now)`,
    ),
    delivered: db.prepare(
      "update webhook_deliveries set state = 'delivered', attempts = 1, next_attempt_at = null, date_updated = @now where delivery_id = @id",
    ),
    insertRecording: db.prepare(
      `insert into recordings (recording_id, account_id, call_id, blob_key, size_bytes, duration_ms,
         privacy_mode, date_created, date_updated, revision)
       values (@id, '${ACCOUNT}', @call, 'recordings/floor.wav', @size, 30000, 0, @now, @now, 1)`,
    ),
  };
}

/** A webhook-log row: a PerCL request is logged once answered, a notification pending until sent. */
function delivery(id: string, call: string, type: string, body: string, durable: boolean, now: number) {
  return { id, call, type, body, durable: durable ? 1 : 0, state: durable ? "pending" : "delivered", now };
}
