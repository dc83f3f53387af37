/**
 * fast — simulated-time throughput: complete virtual voicemail calls (inboundCall → Say → 30 s
 * RecordUtterance → record webhook → Say → Hangup → callStatus) per second, each call on its own
 * simulated clock, against the benchmark app in another process.
 *
 *   npm run bench -- fast            (or: node --import tsx bench/fast.ts [--calls 1000] [--concurrency 32]
 *                                     [--rounds 5] [--no-floor: skip the limit, to profile Belay alone])
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { directRouting } from "../src/calls/inbound-route.js";
import { runVirtualCall } from "../src/calls/virtual-call.js";
import { SIMULATED_WAV_CHUNK_BYTES } from "../src/media/wav-write.js";
import { createBelay } from "../src/server/belay.js";
import { resolveConfig } from "../src/server/config.js";
import { startAppProcess } from "./lib/app-process.js";
import { hasFlag, numberOption } from "./lib/args.js";
import { openIoFloor, type Spent, spent } from "./lib/io-floor.js";
import { timesLimited } from "./lib/limited.js";
import { machineLoad } from "./lib/machine-load.js";
import { saveResult } from "./lib/report.js";
import { type BenchResult, machine, percentile, round } from "./lib/result.js";

const CALLS = numberOption("--calls", 1000);
const CONCURRENCY = numberOption("--concurrency", 32);
const ROUNDS = numberOption("--rounds", 10);
/**
 * Calls run first and not measured. A fresh process runs its first few hundred calls slower while
 * V8 optimises the hot paths and SQLite fills its cache: in 3000-call runs the second 250 went at
 * 175-234 calls/s and later ones at 200-310 (docs/benchmarks.md). The benchmark measures the
 * steady state a server runs in.
 */
const WARMUP = 300;
const RECORDING_SEC = 30;
/** A 30 s recording: the 44-byte header and 30 s of 16-bit 8 kHz samples. */
const EXPECTED_BYTES = 44 + RECORDING_SEC * 8000 * 2;

const loadAtStart = await machineLoad();
const app = await startAppProcess([
  "--max-length-sec",
  String(RECORDING_SEC),
  "--silence-timeout-ms",
  "60000",
]);
const dataDir = await mkdtemp(path.join(tmpdir(), "belay-bench-fast-"));
const belay = await createBelay(resolveConfig({ dataDir, port: 0, logLevel: "warn" }, {}));
const routing = directRouting(belay.account.accountId, `${app.url}/voice`, `${app.url}/status`);

const problems: string[] = [];
let lastCallId = "";
async function oneCall(): Promise<void> {
  let recording: { sizeBytes: number; durationMs: number; termReason: string } | undefined;
  const { outcome } = await runVirtualCall(
    belay.engine,
    { routing, from: "+15550001111", to: "+15550002222", script: {}, fast: true },
    (event) => {
      if (event.type === "recording") recording = event;
    },
  );
  lastCallId = outcome.callId;
  if (outcome.reason !== "appHangup") problems.push(`call ${outcome.callId} ended ${outcome.reason}`);
  if (!recording || recording.sizeBytes !== EXPECTED_BYTES || recording.termReason !== "maxLength")
    problems.push(`call ${outcome.callId}: recording ${JSON.stringify(recording)}`);
}

function runCalls(count: number): Promise<void> {
  return timesLimited(count, CONCURRENCY, oneCall);
}

await runCalls(WARMUP);
// The floor posts the very bodies Belay sent for one call.
const bodies = (await belay.store.deliveries.listByCall(lastCallId)).map((row) => row.body);
// --no-floor: Belay alone, e.g. under --cpu-prof.
const floor = hasFlag("--no-floor")
  ? undefined
  : await openIoFloor({
      folder: await mkdtemp(path.join(tmpdir(), "belay-bench-floor-")),
      pingUrl: `${app.url}/ping`,
      bodies,
      recordingBytes: EXPECTED_BYTES,
      chunkBytes: SIMULATED_WAV_CHUNK_BYTES,
      concurrency: CONCURRENCY,
    });
// Rounds of Belay's calls and the floor's in turn (each going first in every other round), so
// both see the same moments of a shared machine; the ratio is taken round by round.
const perRound = Math.ceil(CALLS / ROUNDS);
// The floor's warm-up calls are numbered after the rounds' (its call ids are unique).
await floor?.run(WARMUP, perRound * ROUNDS);
const belaySpent: Spent[] = [];
const floorSpent: Spent[] = [];
for (let r = 0; r < ROUNDS; r++) {
  if (floor && r % 2 === 1) floorSpent.push(await floor.run(perRound, r * perRound));
  belaySpent.push(await spent(() => runCalls(perRound)));
  if (floor && r % 2 === 0) floorSpent.push(await floor.run(perRound, r * perRound));
}
await floor?.close();
await belay.app.drainOutbox();
const { counts } = await app.stats();
const measured = perRound * ROUNDS;
const total = measured + WARMUP;
// The floor posts one body of each type per call to /ping; the app counts them by type too.
const posted = floor ? total : 0;
for (const type of ["inboundCall", "record", "callStatus"]) {
  if (counts[type] !== total + posted)
    problems.push(
      `the app received ${counts[type] ?? 0} ${type} webhooks, not ${total} from Belay and ${posted} from the floor`,
    );
}
const stored = (await belay.store.recordings.list(belay.account.accountId, {}, { limit: 1 })).total;
if (stored !== total) problems.push(`${stored} recordings stored, not ${total}`);
await belay.close();
await rm(dataDir, { recursive: true, force: true });
await app.stop();

const sum = (all: Spent[], key: keyof Spent) => all.reduce((a, b) => a + b[key], 0);
const cpuMs = sum(belaySpent, "cpuMs");
const wallMs = sum(belaySpent, "wallMs");
const ratios = floorSpent.map((f, r) => (belaySpent[r] as Spent).cpuMs / f.cpuMs);
const floorMetrics = floor
  ? {
      callsPerSecond: round((measured / sum(floorSpent, "wallMs")) * 1000, 1),
      cpuMsPerCall: round(sum(floorSpent, "cpuMs") / measured, 2),
    }
  : { callsPerSecond: Number.NaN, cpuMsPerCall: Number.NaN };

const result: BenchResult = {
  name: "fast",
  summary: `${measured} virtual voicemail calls with a ${RECORDING_SEC} s recording each, on simulated clocks, ${CONCURRENCY} at a time, after ${WARMUP} warm-up calls, in ${ROUNDS} rounds alternating with the limit's (cpuVsFloor: the median of the rounds' ratios)`,
  command: "npm run bench -- fast",
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  metrics: {
    callsPerSecond: round((measured / wallMs) * 1000, 1),
    callsPerCpuSecond: round((measured / cpuMs) * 1000, 1),
    cpuMsPerCall: round(cpuMs / measured, 2),
    simulatedSecondsPerWallSecond: round(((measured * 33) / wallMs) * 1000, 0),
    cpuVsFloor: round(percentile(ratios, 50), 2),
  },
  limit: {
    what: `the same I/O per call by bare Node, same concurrency: the call's rows on better-sqlite3 (Belay's schema, the writes of a turn in one commit as Belay's store does, the recording's followed by a shared WAL fsync), its ${EXPECTED_BYTES}-byte WAV written in the same chunks, fdatasynced, renamed, folder fsynced, and its three webhook bodies POSTed to the same app; no audio, PerCL or signing`,
    metrics: floorMetrics,
  },
  targets: [
    { metric: "callsPerSecond", op: ">=", value: 200, label: "≥ 200 calls/s on one core" },
    { metric: "cpuVsFloor", op: "<=", value: 1.5, label: "CPU per call ≤ 1.5× the limit's, same run" },
  ],
  checks: [
    `every call ended appHangup with a ${EXPECTED_BYTES}-byte, maxLength recording`,
    "the app received one inboundCall, record and callStatus webhook per call",
    "every recording is in the store",
    "the floor sent the same three webhook bodies, taken from Belay's delivery log",
  ],
  notes: [
    `machine at the start: ${loadAtStart}; at the end: ${await machineLoad()} (others' work shares these cores)`,
    `CPU ms per call, Belay / limit, round by round: ${belaySpent.map((b, r) => `${round(b.cpuMs / perRound, 2)} / ${round((floorSpent[r]?.cpuMs ?? Number.NaN) / perRound, 2)}`).join(", ")}`,
    ...(problems.length ? [`FAILED CHECKS: ${problems.slice(0, 5).join("; ")}`] : []),
  ],
};
// A profiling run without the limit is not a result.
if (!hasFlag("--no-floor")) await saveResult(result);
process.stdout.write(
  `${JSON.stringify(result.metrics)}${problems.length ? `\nFAILED: ${problems.length} problems` : ""}\n`,
);
process.exitCode = problems.length ? 1 : 0;
