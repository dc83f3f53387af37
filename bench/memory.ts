/**
 * memory — what a call costs in memory. (1) One 60-minute recording on a simulated clock, with
 * heap and RSS sampled every simulated minute: they must not grow with the recording's length
 * (the WAV is streamed to disk). (2) 500 concurrent 60 s recordings in real time: heap and RSS
 * per live call, measured once all 500 are recording.
 *
 *   npm run bench -- memory          (or: node --expose-gc --import tsx bench/memory.ts [--calls 500])
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { directRouting } from "../src/calls/inbound-route.js";
import { runVirtualCall } from "../src/calls/virtual-call.js";
import { createBelay } from "../src/server/belay.js";
import { resolveConfig } from "../src/server/config.js";
import { SimulatedClock } from "../src/time/clock.js";
import { startAppProcess } from "./lib/app-process.js";
import { numberOption } from "./lib/args.js";
import { saveResult } from "./lib/report.js";
import { type BenchResult, machine, round } from "./lib/result.js";

const CALLS = numberOption("--calls", 500);
const LONG_MIN = 60;
const problems: string[] = [];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc (npm run bench does)");

function memory(): { heapKB: number; rssKB: number } {
  gc?.();
  const m = process.memoryUsage();
  return { heapKB: m.heapUsed / 1024, rssKB: m.rss / 1024 };
}

const dataDir = await mkdtemp(path.join(tmpdir(), "belay-bench-memory-"));
const belay = await createBelay(resolveConfig({ dataDir, port: 0, logLevel: "warn" }, {}));
const from = "+15550001111";
const to = "+15550002222";

// (1) The long call: its own simulated clock; a sampler on that clock every simulated minute.
const longApp = await startAppProcess([
  "--max-length-sec",
  String(LONG_MIN * 60),
  "--silence-timeout-ms",
  "99999999",
]);
const longClock = new SimulatedClock();
const samples: Array<{ minute: number; heapKB: number; rssKB: number }> = [];
let minute = 0;
let sampling = true;
const sample = () => {
  if (!sampling) return;
  samples.push({ minute, ...memory() });
  minute++;
  longClock.setTimeout(sample, 60_000);
};
let longBytes = 0;
const longRun = runVirtualCall(
  belay.engine,
  {
    routing: directRouting(belay.account.accountId, `${longApp.url}/voice`, `${longApp.url}/status`),
    from,
    to,
    script: {},
    fast: true,
    clock: longClock,
  },
  (event) => {
    if (event.type === "recordingStarted") sample();
    if (event.type === "recording") {
      sampling = false;
      longBytes = event.sizeBytes;
    }
  },
);
await longRun;
await belay.app.drainOutbox();
await longApp.stop();
const expectedLong = 44 + LONG_MIN * 60 * 8000 * 2;
if (longBytes !== expectedLong)
  problems.push(`the 60-minute recording is ${longBytes} bytes, not ${expectedLong}`);
const at = (m: number) => samples.find((s) => s.minute === m) ?? samples.at(-1);
const early = at(5);
const late = at(LONG_MIN - 1);
if (!early || !late || samples.length < LONG_MIN) problems.push(`only ${samples.length} memory samples`);

// (2) Many live calls in real time.
const app = await startAppProcess(["--max-length-sec", "60", "--silence-timeout-ms", "99999999"]);
const routing = directRouting(belay.account.accountId, `${app.url}/voice`, `${app.url}/status`);
const baseline = memory();
let recording = 0;
let allRecording: () => void = () => {};
const allStarted = new Promise<void>((resolve) => {
  allRecording = resolve;
});
const sizes: number[] = [];
const runs = Array.from({ length: CALLS }, () =>
  runVirtualCall(belay.engine, { routing, from, to, script: {}, fast: false }, (event) => {
    if (event.type === "recordingStarted" && ++recording === CALLS) allRecording();
    if (event.type === "recording") sizes.push(event.sizeBytes);
  }),
);
await allStarted;
const live = memory();
const liveCalls = belay.engine.liveCount();
await Promise.all(runs);
await belay.app.drainOutbox();
const expected = 44 + 60 * 8000 * 2;
if (liveCalls !== CALLS) problems.push(`${liveCalls} calls were live at the measurement, not ${CALLS}`);
if (sizes.length !== CALLS || sizes.some((s) => s !== expected))
  problems.push(`${sizes.filter((s) => s === expected).length} of ${CALLS} recordings are ${expected} bytes`);
await belay.close();
await app.stop();
await rm(dataDir, { recursive: true, force: true });

const result: BenchResult = {
  name: "memory",
  summary: `one ${LONG_MIN}-minute recording (simulated clock); ${CALLS} concurrent 60 s recordings (real time)`,
  command: "npm run bench -- memory",
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  metrics: {
    longCallHeapGrowthKB: round((late?.heapKB ?? 0) - (early?.heapKB ?? 0), 0),
    longCallRssGrowthKB: round((late?.rssKB ?? 0) - (early?.rssKB ?? 0), 0),
    heapPerLiveCallKB: round((live.heapKB - baseline.heapKB) / CALLS, 1),
    rssPerLiveCallKB: round((live.rssKB - baseline.rssKB) / CALLS, 1),
  },
  targets: [
    {
      metric: "longCallHeapGrowthKB",
      op: "<=",
      value: 1024,
      label: "no heap growth with length (≤ 1 MB over 55 min)",
    },
    { metric: "heapPerLiveCallKB", op: "<=", value: 100, label: "< 100 KB heap per live call" },
    { metric: "rssPerLiveCallKB", op: "<=", value: 100, label: "< 100 KB RSS per live call" },
  ],
  checks: [
    `the 60-minute recording is ${expectedLong} bytes`,
    `all ${CALLS} calls were live at the measurement and each stored a ${expected}-byte recording`,
  ],
  notes: [
    `heap and RSS after a forced GC; growth from minute 5 to minute ${LONG_MIN - 1} of the long recording`,
    ...(problems.length ? [`FAILED CHECKS: ${problems.join("; ")}`] : []),
  ],
};
await saveResult(result);
process.stdout.write(
  `${JSON.stringify(result.metrics)}${problems.length ? `\nFAILED: ${problems.join("; ")}` : ""}\n`,
);
process.exitCode = problems.length ? 1 : 0;
