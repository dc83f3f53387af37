/**
 * What a virtual call's writes cost through Belay's own store (Kysely, the group-commit driver,
 * the repos), with nothing else running: per call, the call's row and two updates, three
 * webhook-log rows and the recording's row, its four call-log entries, and its live_calls and
 * live_recordings rows (added, then removed), 32 calls at a time as the fast benchmark runs them,
 * on a SQLite file in a fresh folder.
 *
 *   node --import tsx bench/tools/store-writes.ts [--calls 3000]
 *
 * A diagnostic for docs/benchmarks.md, not one of the benchmarks: it prints, and saves nothing.
 * Compare with bench/tools/sqlite-commits.ts, the same writes as bare prepared statements.
 * `--sip` adds what a SIP call writes besides: its dialog's row at the answer, deleted at the end.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { newId } from "../../src/contract/ids.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import { hasFlag, numberOption } from "../lib/args.js";
import { timesLimited } from "../lib/limited.js";

const CALLS = numberOption("--calls", 3000);
const SIP = hasFlag("--sip");
const CONCURRENCY = 32;
const BODY = JSON.stringify({ requestType: "record", padding: "x".repeat(600) });

const folder = await mkdtemp(path.join(tmpdir(), "belay-store-writes-"));
try {
  const store = await openSqliteStore(path.join(folder, "belay.db"));
  const accountId = newId("AC");
  await store.accounts.create({ accountId, apiKey: "key", signingSecret: "secret", alias: null });
  const delivery = (callId: string, requestType: string, durable: boolean) =>
    store.deliveries.create({
      deliveryId: newId("RQ"),
      accountId,
      callId,
      requestType,
      url: "http://127.0.0.1:9/app",
      body: BODY,
      durable,
      state: durable ? "pending" : "delivered",
      attempts: 0,
      nextAttemptAt: null,
      lastStatus: null,
      lastError: null,
      latencyMs: null,
    });
  const logEntry = (callId: string, message: string) =>
    store.callLogs.create({
      accountId,
      callId,
      timestamp: Date.now() * 1000,
      level: "info",
      requestId: null,
      message,
      metadata: { callId, note: "x".repeat(40) },
    });
  const oneCall = async () => {
    const callId = newId("CA");
    await store.calls.create({
      callId,
      accountId,
      parentCallId: null,
      applicationId: null,
      phoneNumberId: null,
      from: "+15550001111",
      to: "+15550002222",
      direction: "inbound",
      status: "ringing",
      callEndedReason: null,
      startTime: Date.now(),
      connectTime: null,
      endTime: null,
    });
    await store.live.addCall({ callId, accountId, statusCallbackUrl: null, connectUrl: null });
    await store.calls.update(accountId, callId, { status: "inProgress", connectTime: Date.now() });
    await logEntry(callId, "inboundCall sent");
    const dialog = { sipCallId: `${callId}@peer`, localTag: "belay", remoteTag: "peer" };
    if (SIP)
      await store.sipDialogs.create({
        ...dialog,
        localUri: "<sip:+15550002222@127.0.0.1:5060>;tag=belay",
        remoteUri: "<sip:+15550001111@127.0.0.1:5080>;tag=peer",
        remoteTarget: "sip:peer@127.0.0.1:5080",
        routeSet: [],
        localCseq: 1,
        destinationAddress: "127.0.0.1",
        destinationPort: 5080,
        callId,
        accountId,
      });
    await delivery(callId, "inboundCall", false);
    const recordingId = newId("RE");
    const blobKey = `recordings/${accountId}/${recordingId}.wav`;
    await store.live.addRecording({
      recordingId,
      accountId,
      callId,
      blobKey,
      kind: "utterance",
      conferenceId: null,
      actionUrl: "http://127.0.0.1:9/app",
      privacyMode: false,
    });
    await logEntry(callId, "recording started");
    await store.recordings.create({
      recordingId,
      accountId,
      callId,
      conferenceId: null,
      blobKey,
      sizeBytes: 480_044,
      durationMs: 30_000,
      privacyMode: false,
      deleteAt: null,
    });
    await store.live.removeRecording(recordingId);
    await delivery(callId, "record", false);
    await logEntry(callId, "record sent");
    if (SIP) await store.sipDialogs.delete(dialog);
    await store.calls.update(accountId, callId, {
      status: "completed",
      callEndedReason: "hangup",
      endTime: Date.now(),
    });
    await store.live.removeCall(callId);
    await delivery(callId, "callStatus", true);
    await logEntry(callId, "call ended");
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await timesLimited(CALLS, CONCURRENCY, oneCall);
  const perCallUs = ((performance.now() - started) / CALLS) * 1000;
  const { user, system } = process.cpuUsage(cpu);
  const cpuPerCallUs = (user + system) / CALLS;
  await store.close();
  process.stdout.write(
    `${Math.round(perCallUs)} µs per call, ${Math.round(cpuPerCallUs)} µs of CPU (${CALLS} calls, ${CONCURRENCY} at a time${SIP ? ", SIP dialog rows" : ""})\n`,
  );
} finally {
  await rm(folder, { recursive: true, force: true });
}
