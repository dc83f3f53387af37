import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { Agent } from "undici";
import { fileGroupSync, GroupSync } from "../../src/store/group-sync.js";
import { syncDirectory } from "../../src/store/sync-directory.js";
import { writeDurably } from "./disk-flush.js";
import { deliveryRow, openFloorDatabase, turnTransactions } from "./floor-db.js";
import { timesLimited } from "./limited.js";
import { postJson } from "./post.js";

export interface IoFloorOptions {
  /** A folder of its own; created, and removed by close(). */
  folder: string;
  /** Where the three webhook bodies are POSTed (the benchmark app's /ping). */
  pingUrl: string;
  /** The bodies of one call's webhooks, as Belay sent them (inboundCall, record, callStatus). */
  bodies: string[];
  recordingBytes: number;
  chunkBytes: number;
  concurrency: number;
}

/** CPU (all threads) and wall time of a batch of calls. */
export interface Spent {
  wallMs: number;
  cpuMs: number;
}

export interface IoFloor {
  /** Makes `calls` calls, `concurrency` at a time; their numbers start at `first`. */
  run(calls: number, first: number): Promise<Spent>;
  close(): Promise<void>;
}

/**
 * The I/O a virtual voicemail call cannot do without, done by bare Node with none of Belay's code:
 * its rows written with prepared statements on better-sqlite3 against Belay's schema (the writes
 * of one event-loop turn committed together, synchronous=NORMAL in WAL mode, the recording's row
 * followed by a WAL fsync shared by the calls that ask together, as Belay commits them), its
 * recording written in the same chunks, fdatasynced, renamed into place with its folder fsynced,
 * and its three webhooks POSTed with undici over kept-alive connections to the same app. No audio
 * is processed, no PerCL parsed, no webhook signed. Of Belay it uses only its migrations (for the
 * schema) and its fsync helpers (to share fsyncs as Belay does). Batches of calls can be run
 * between batches of Belay's, so both see the same moments of a shared machine.
 */
export async function openIoFloor(options: IoFloorOptions): Promise<IoFloor> {
  const dbFile = path.join(options.folder, "floor.db");
  const blobs = path.join(options.folder, "blobs");
  await mkdir(blobs, { recursive: true });
  const { db, statements } = await openFloorDatabase(dbFile);
  const agent = new Agent({ connections: 256 });
  const walSync = fileGroupSync(`${dbFile}-wal`);
  const inTurn = turnTransactions(db);
  const folderSync = new GroupSync(() => syncDirectory(blobs));
  const recording = Buffer.alloc(options.recordingBytes, 0x2a);
  const pingUrl = new URL(options.pingUrl);
  const post = (body: string) => postJson(pingUrl, body, agent);
  const [inbound = "{}", record = "{}", status = "{}"] = options.bodies;

  const oneCall = async (n: number) => {
    const callId = `CA${String(n).padStart(40, "0")}`;
    const now = Date.now();
    await post(inbound);
    await inTurn(() => {
      statements.insertCall.run({ id: callId, now });
      statements.answerCall.run({ id: callId, now });
      statements.insertDelivery.run(deliveryRow(`RQ${n}a`, callId, "inboundCall", inbound, false, now));
    });
    await writeDurably(path.join(blobs, `${callId}.wav`), recording, options.chunkBytes, folderSync);
    await inTurn(() =>
      statements.insertRecording.run({ id: `RE${n}`, call: callId, size: recording.length, now }),
    );
    await walSync.sync();
    await post(record);
    await inTurn(() => {
      statements.insertDelivery.run(deliveryRow(`RQ${n}b`, callId, "record", record, false, now));
      statements.endCall.run({ id: callId, now });
      statements.insertDelivery.run(deliveryRow(`RQ${n}c`, callId, "callStatus", status, true, now));
    });
    await post(status);
    await inTurn(() => statements.delivered.run({ id: `RQ${n}c`, now }));
  };
  return {
    run: (calls, first) => spent(() => timesLimited(calls, options.concurrency, (n) => oneCall(first + n))),
    async close() {
      await agent.close();
      db.close();
      await walSync.close();
      await rm(options.folder, { recursive: true, force: true });
    },
  };
}

/** What running `work` took: wall time and the process's CPU time over all its threads. */
export async function spent(work: () => Promise<void>): Promise<Spent> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}
