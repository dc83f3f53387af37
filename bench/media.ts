/**
 * media — concurrent recorded SIP calls. N callers (bench/apps/sip-callers.ts, its own process)
 * dial one Belay (this process) over SIP on 127.0.0.1 and each streams 20 ms PCMU of its own
 * seeded noise for D seconds into RecordUtterance, then hangs up. Per step: every recording is
 * downloaded and compared sample for sample with what its caller sent; RTP handling delay, event
 * loop lag, CPU and RSS are measured while all N stream. N grows (--calls list) until a step fails.
 * The limit: a bare Node UDP sink (bench/apps/udp-sink.ts) fed the same stream by the same
 * generator, in the same run: Belay's CPU per packet as a multiple of the sink's.
 *
 * Two passes. *Independent phases* (the headline): each call sends at its own fixed phase within
 * the 20 ms, as phones that know nothing of each other do. *Burst* (the named worst case): every
 * call's packet due in the same instant each 20 ms, so the last of a burst waits for all the others.
 *
 *   npm run bench -- media     (or: node --expose-gc --import tsx bench/media.ts
 *                               [--calls 50,100,200,400,800,1000,1200] [--burst-calls 50,100,200,400,800]
 *                               [--no-burst] [--duration-sec 60] [--no-save])
 *
 * RTP handling delay: the generator notes the send time (performance.timeOrigin + now(), one
 * clock on one machine) of 1 in 25 packets; this process wraps dgram's Socket emit (no change to
 * src/, bench/lib/rtp-delay-probe.ts) and notes when Belay's 'message' listener returned for those
 * packets. The difference is the socket queueing, the wait for the event loop and Belay's handling
 * of the datagram (parse, latch, decode into the playout buffer).
 */
import { readFile, rm } from "node:fs/promises";
import { CONFIG_DEFAULTS } from "../src/server/config.js";
import { startAppProcess } from "./lib/app-process.js";
import { hasFlag, numberOption, option } from "./lib/args.js";
import { belayPhase, type Phases, type Step, type StepSetup, sinkPhase } from "./lib/media-step.js";
import { saveResult } from "./lib/report.js";
import { type BenchResult, machine } from "./lib/result.js";
import { installRtpDelayProbe, PROBE_WORKER_MODULE } from "./lib/rtp-delay-probe.js";
import { addNumber, machineLoad, startSipBelay } from "./lib/sip-load.js";

const steps = (flag: string, fallback: string) => option(flag, fallback).split(",").map(Number);
const PASSES: Array<{ phases: Phases; steps: number[] }> = [
  { phases: "independent", steps: steps("--calls", "50,100,200,400,600,800,1000,1200") },
  ...(hasFlag("--no-burst")
    ? []
    : [{ phases: "burst" as const, steps: steps("--burst-calls", "50,100,200,400,800") }]),
];
const D = numberOption("--duration-sec", 60);
const problems: string[] = [];
const rmemDefault = await readFile("/proc/sys/net/core/rmem_default", "utf8").then(
  (s) => s.trim(),
  () => "unknown",
);

const mediaWorkers = numberOption("--media-workers", CONFIG_DEFAULTS.mediaWorkers);
const probe = installRtpDelayProbe(25, mediaWorkers);
const loadAtStart = await machineLoad();
const maxN = Math.max(...PASSES.flatMap((p) => p.steps));
const { belay, sipPort, dataDir } = await startSipBelay(maxN, {
  workers: mediaWorkers,
  imports: [PROBE_WORKER_MODULE],
});
const app = await startAppProcess([
  "--max-length-sec",
  String(D + 120),
  "--silence-timeout-ms",
  "99999999",
  "--no-say",
]);
await addNumber(belay, `${app.url}/voice`, `${app.url}/status`);
const setup: StepSetup = {
  belay,
  sipPort,
  app,
  probe,
  durationSec: D,
  sinkDurationSec: Math.min(D, numberOption("--sink-duration-sec", 20)),
  sampleEvery: 25,
  rate: 200,
  gc: (globalThis as { gc?: () => void }).gc,
};

const ran: Record<Phases, Step[]> = { independent: [], burst: [] };
const loads: string[] = [];
try {
  for (const pass of PASSES) {
    for (const n of pass.steps) {
      const before = await machineLoad();
      const sinkUs = await sinkPhase(setup, n, pass.phases);
      const step = await belayPhase(setup, n, pass.phases, sinkUs);
      loads.push(`${pass.phases} N ${n}: ${before}`);
      ran[pass.phases].push(step);
      process.stdout.write(`${JSON.stringify(step)}\n`);
      if (!step.ok) break;
    }
  }
} finally {
  await belay.close();
  await app.stop();
  await rm(dataDir, { recursive: true, force: true });
}

const best = (phases: Phases) => ran[phases].filter((s) => s.ok).at(-1);
const firstFail = (phases: Phases) => ran[phases].find((s) => !s.ok);
// A step that fails because a limit was reached is the answer, not a broken benchmark; a step whose
// recordings are wrong at the smallest N is.
for (const phases of ["independent", "burst"] as const) {
  const smallest = ran[phases][0];
  if (smallest && smallest.recordingsCorrect !== smallest.calls)
    problems.push(`${phases} at N ${smallest.calls}: ${smallest.why.join("; ")}`);
}
if (!ran.independent.length) problems.push("no step ran");
const shown = best("independent") ?? ran.independent[0];
const burstShown = best("burst") ?? ran.burst[0];
const NaN_ = Number.NaN;
const describe = (s: Step) =>
  `N ${s.calls}: ${s.ok ? "pass" : `FAIL (${s.why.join("; ")})`}, recordings ${s.recordingsCorrect}/${s.calls}, RTP delay p50 ${s.rtpDelayP50Ms} / p99 ${s.rtpDelayP99Ms} / max ${s.rtpDelayMaxMs} ms (${s.delaySamples} samples), loop lag p99 ${s.loopLagP99Ms} / max ${s.loopLagMaxMs} ms, Belay ${s.belayCpuPct}% of a core, ${s.cpuPctPerCall}% per call, ${s.rssPerCallKB} KB RSS per call, ${s.belayCpuPerPacketUs} µs/packet vs sink ${s.sinkCpuPerPacketUs} (${s.costVsSink}×), of it the main thread ${s.mainThreadCpuPerPacketUs} µs (${s.mainThreadCpuPct}% of a core), Belay's main thread waited for a CPU ${s.waitedForCpuPct}% of the window, generator ${s.generatorCpuPct}% of a core (${s.generatorCpuPerPacketUs} µs/packet), send lateness p99 ${s.sendLatenessP99Ms} ms, silence before the first audio p50 ${s.leadSilenceP50Ms} / max ${s.leadSilenceMaxMs} ms, at most ${s.framesBeforeRecordingMax} frames played before the recording began`;
const result: BenchResult = {
  name: "media",
  summary: `largest N of concurrent SIP calls each streaming ${D} s of 20 ms PCMU into RecordUtterance with every recording exact, p99 RTP delay < 5 ms, loop lag p99 < 10 ms: callers at independent phases within the 20 ms (headline), and all in one synchronised burst (burst*, the worst case)`,
  command: `npm run bench -- media${D !== 60 ? ` (--duration-sec ${D})` : ""}`,
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  metrics: {
    maxCalls: best("independent")?.calls ?? 0,
    rtpDelayP99Ms: shown?.rtpDelayP99Ms ?? NaN_,
    loopLagP99Ms: shown?.loopLagP99Ms ?? NaN_,
    cpuPctPerCall: shown?.cpuPctPerCall ?? NaN_,
    rssPerCallKB: shown?.rssPerCallKB ?? NaN_,
    cpuPerPacketUs: shown?.belayCpuPerPacketUs ?? NaN_,
    mainThreadCpuPerPacketUs: shown?.mainThreadCpuPerPacketUs ?? NaN_,
    costVsSink: shown?.costVsSink ?? NaN_,
    mediaWorkers,
    ...(PASSES.some((p) => p.phases === "burst")
      ? {
          burstMaxCalls: best("burst")?.calls ?? 0,
          burstRtpDelayP99Ms: burstShown?.rtpDelayP99Ms ?? NaN_,
          burstLoopLagP99Ms: burstShown?.loopLagP99Ms ?? NaN_,
          burstCostVsSink: burstShown?.costVsSink ?? NaN_,
        }
      : {}),
  },
  targets: [
    {
      metric: "maxCalls",
      op: ">=",
      value: 1000,
      label: "independent phases: N ≥ 1000 on this 2-core machine",
    },
    { metric: "costVsSink", op: "<=", value: 2, label: "CPU per packet ≤ 2× the bare UDP sink" },
    {
      metric: "cpuPerPacketUs",
      op: "<=",
      value: 17.3,
      label: "CPU per packet ≤ rtpengine's 17.3 µs (issue 17)",
    },
    { metric: "rssPerCallKB", op: "<=", value: 100, label: "RSS per live SIP call < 100 KB" },
  ],
  limit: {
    what: "bare Node UDP sink, one socket per call, same generator, phases and stream",
    metrics: {
      cpuPerPacketUs: shown?.sinkCpuPerPacketUs ?? NaN_,
      ...(burstShown ? { burstCpuPerPacketUs: burstShown.sinkCpuPerPacketUs } : {}),
    },
  },
  checks: [
    "every call's recording downloaded via its recordingUrl and compared sample for sample with the caller's seeded audio: one contiguous run of sent frames (no lost, duplicated or shifted frame) to the last, starting at the first sent frame after leading silence (the recording began before the first packet played out; how long is reported as set-up latency) or, with no leading silence, at the frame playing when the recording began (reported), recorded to the last (the BYE follows the last packet by 400 ms, so the playout buffer has drained), only silence after",
    "one record webhook per call, termReason hangup; every caller's INVITE answered and BYE acknowledged",
  ],
  notes: [
    `machine at the start: ${loadAtStart}; before each step: ${loads.join(" | ")}; at the end: ${await machineLoad()} (others' work shares these cores)`,
    `independent phases (metrics above without a prefix are its largest passing step${best("independent") ? "" : "; none passed, so the smallest"}): ${ran.independent.map(describe).join(" | ")}`,
    ran.burst.length
      ? `synchronised burst (burst* metrics: its largest passing step${best("burst") ? "" : "; none passed, so the smallest"}): ${ran.burst.map(describe).join(" | ")}`
      : "",
    ...(["independent", "burst"] as const).map((p) => {
      const f = firstFail(p);
      return f ? `${p}: bounded by N ${f.calls}: ${f.why.join("; ")}` : "";
    }),
    "phases: call i's packet k is due at its phase + 20k ms on the generator's monotonic clock (no drift); independent: the phase is a 32-bit hash of i spread uniformly over the 20 ms; burst: phase 0 for every call",
    `RTP handling delay: generator send time of 1 in 25 packets (performance.timeOrigin + now()) to the return of Belay's socket 'message' listener, via a wrapper on dgram's emit in ${mediaWorkers > 0 ? `each of Belay's ${mediaWorkers} media workers (bench/lib/rtp-delay-probe-worker.ts, imported through config.mediaWorkerImports)` : "the benchmark process (Belay's RTP on its main thread, --media-workers 0)"}; no src change; CPU (all threads) and per-packet cost over the window in which all N calls stream, and of it the main thread's (/proc/<pid>/schedstat); RSS per call is the RSS growth over the step / N`,
    `the sink phase streams ${setup.sinkDurationSec} s per step at the same phases; Belay's RTP sockets keep the default receive buffer (net.core.rmem_default ${rmemDefault} bytes), which at one socket per call holds seconds of one call's packets, so none was raised`,
    ...(problems.length ? [`FAILED CHECKS: ${problems.join("; ")}`] : []),
  ].filter(Boolean),
};
if (!hasFlag("--no-save")) await saveResult(result);
process.stdout.write(
  `${JSON.stringify(result.metrics)}${problems.length ? `\nFAILED: ${problems.join("; ")}` : ""}\n`,
);
process.exitCode = problems.length ? 1 : 0;
