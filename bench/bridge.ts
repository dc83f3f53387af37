/**
 * bridge — bridged calls on Belay's real clock: a caller connected to an agent the FreeClimb way
 * (CreateConference, OutDial, AddToConference for both: a conference of two), N at once, each
 * party speaking its own noise the whole time. Measured: Belay's CPU per bridged call (this
 * process: the engine, the store, the webhooks, the mixer, and the two virtual legs' frames; the
 * app is bench/apps/bridge-app.ts in its own process) and the event loop's lag. Checked: each
 * party heard the other's audio sample for sample, its frames in order from when it was connected
 * until the other left (bench/lib/heard-check.ts); a call is exact when no silent frame came in
 * between (a frame late for its slot, or lost: counted, not failed; a frame altered, repeated or
 * out of order fails the run).
 *
 *   npm run bench -- bridge   (or: node --expose-gc --import tsx bench/bridge.ts [--calls 50,100,200]
 *                              [--talk-sec 10] [--no-save])
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { directRouting } from "../src/calls/inbound-route.js";
import { newId } from "../src/contract/ids.js";
import type { Dialer } from "../src/engine/ports.js";
import { VirtualCallee } from "../src/legs/virtual/virtual-callee.js";
import { VirtualLeg } from "../src/legs/virtual/virtual-leg.js";
import { SAMPLE_RATE } from "../src/media/frame.js";
import { createBelay } from "../src/server/belay.js";
import { resolveConfig } from "../src/server/config.js";
import { startAppProcess } from "./lib/app-process.js";
import { hasFlag, numberOption, option } from "./lib/args.js";
import { checkHeard, noise } from "./lib/heard-check.js";
import { LoopLag } from "./lib/loop-lag.js";
import { machineLoad } from "./lib/machine-load.js";
import { saveResult } from "./lib/report.js";
import { type BenchResult, machine, round } from "./lib/result.js";

const STEPS = option("--calls", "50,100,200").split(",").map(Number);
const TALK_MS = numberOption("--talk-sec", 10) * 1000;
const AGENT = "+15550003333";
/** Calls start spread over this long, as calls arriving at a server would. */
const SPREAD_MS = 1000;
const problems: string[] = [];
const notes: string[] = [];
const metrics: Record<string, number> = {};
const log = (line: string) => process.stdout.write(`${line}\n`);
notes.push(`machine at the start: ${await machineLoad()}`);

const app = await startAppProcess(
  ["--agent", AGENT],
  fileURLToPath(new URL("./apps/bridge-app.ts", import.meta.url)),
);
const dataDir = await mkdtemp(path.join(tmpdir(), "belay-bench-bridge-"));
const belay = await createBelay(resolveConfig({ dataDir, port: 0, logLevel: "warn" }, {}));
const routing = directRouting(belay.account.accountId, `${app.url}/voice`, `${app.url}/status`);
const clock = belay.engine.deps.clock;

/**
 * One bridged call: the caller talks TALK_MS and hangs up; the agent talks until after the caller
 * has gone. Returns the silent frames either party heard inside the other's audio (gaps), and how
 * many of the other's frames they stood for (lost; see checkHeard).
 */
async function bridgedCall(index: number): Promise<{ gaps: number; lost: number }> {
  const callerAudio = noise(2 * index + 1, (TALK_MS * SAMPLE_RATE) / 1000);
  const agentAudio = noise(2 * index + 2, ((TALK_MS + 2000) * SAMPLE_RATE) / 1000);
  const caller = new VirtualLeg(
    clock,
    { audio: callerAudio, hangupAtMs: TALK_MS + 200 },
    { keepHeard: true },
  );
  let agent: VirtualCallee | undefined;
  const dialer: Dialer = {
    async outboundLeg() {
      agent = new VirtualCallee(
        clock,
        { audio: agentAudio, hangupAtMs: TALK_MS + 2000 },
        { kind: "answer", afterMs: 0 },
        { keepHeard: true },
      );
      return agent;
    },
  };
  const { done } = belay.engine.start({
    ...routing,
    callId: newId("CA"),
    from: `+1555${String(index).padStart(7, "0")}`,
    to: "+15550002222",
    direction: "inbound",
    parentCallId: null,
    leg: caller,
    run: { dialer },
  });
  const outcome = await done;
  if (outcome.reason !== "farEndHangup") problems.push(`call ${index} ended ${outcome.reason}`);
  const heardByAgent = agent
    ? checkHeard(agent.heardFrames, callerAudio)
    : { frames: 0, gaps: 0, lost: 0, problem: "no agent" as string | undefined };
  const heardByCaller = checkHeard(caller.heardFrames, agentAudio);
  // The agent is connected within a second or so of the caller: most of the talk must be heard.
  const least = (TALK_MS - 3000) / 20;
  for (const [who, heard] of [
    ["the agent", heardByAgent],
    ["the caller", heardByCaller],
  ] as const) {
    if (heard.problem) problems.push(`call ${index}: ${who}: ${heard.problem}`);
    else if (heard.frames + heard.lost < least)
      problems.push(`call ${index}: ${who} heard ${heard.frames} frames`);
  }
  return { gaps: heardByAgent.gaps + heardByCaller.gaps, lost: heardByAgent.lost + heardByCaller.lost };
}

// A few calls first, unmeasured: the first of a process load and compile the conference code.
await Promise.all([0, 1, 2, 3].map((i) => bridgedCall(i)));
for (const n of STEPS) {
  global.gc?.();
  const lag = new LoopLag(10);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  lag.enable();
  const before = problems.length;
  const heard = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i * SPREAD_MS) / n));
      return bridgedCall(n * 1000 + i);
    }),
  );
  lag.disable();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU per bridged call per second it was up: the busy seconds over the call-seconds.
  const callSeconds = (n * (TALK_MS + 2000)) / 1000;
  const cpuMsPerCallSecond = (cpu.user + cpu.system) / 1000 / callSeconds;
  metrics[`n${n}CpuPctPerBridgedCall`] = round(cpuMsPerCallSecond / 10, 3);
  metrics[`n${n}LoopLagP99Ms`] = round(lag.percentileMs(99), 2);
  const exact = heard.filter((h) => h.gaps === 0).length;
  const lostFrames = heard.reduce((a, b) => a + b.lost, 0);
  metrics[`n${n}ExactCalls`] = exact;
  metrics[`n${n}LostFrames`] = lostFrames;
  const line = `N ${n}: ${round(wallMs / 1000, 1)} s, CPU ${round(cpuMsPerCallSecond / 10, 3)} % of a core per bridged call, loop lag p99 ${round(lag.percentileMs(99), 2)} ms, ${exact} of ${n} calls heard every frame both ways (silent frames inside the audio: ${heard.reduce((a, b) => a + b.gaps, 0)}, of them frames lost: ${lostFrames}), ${problems.length - before} problems; ${await machineLoad()}`;
  notes.push(line);
  log(line);
}
// From the first step: the least loaded, where a late timer does not yet fold frames together.
const first = STEPS[0] as number;
metrics.maxAllExact = Math.max(0, ...STEPS.filter((n) => metrics[`n${n}ExactCalls`] === n));
metrics.bridgedCallsPerCoreByCpu = Math.floor(100 / (metrics[`n${first}CpuPctPerBridgedCall`] as number));
const { counts } = await app.stats();
const total = STEPS.reduce((a, b) => a + b, 4);
for (const type of ["createConference", "outDialStart", "outDialConnect"]) {
  if (counts[type] !== total)
    problems.push(`the app received ${counts[type] ?? 0} ${type} webhooks, not ${total}`);
}
await belay.close();
await app.stop();
await rm(dataDir, { recursive: true, force: true });

const result: BenchResult = {
  name: "bridge",
  summary: `caller and agent bridged through a conference of two (CreateConference, OutDial, AddToConference), ${STEPS.join(", ")} at once on the real clock, each party talking ${TALK_MS / 1000} s; virtual legs in Belay's process`,
  command: "npm run bench -- bridge",
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  metrics,
  targets: [],
  checks: [
    "each party heard the other's noise exactly, sample for sample, consecutive frames from when it was connected until the other left, then only silence, and at least all but 3 s of it",
    "every call ended farEndHangup; the app received one createConference, outDialStart and outDialConnect per call",
  ],
  notes: [...notes, ...(problems.length ? [`FAILED CHECKS: ${problems.slice(0, 5).join("; ")}`] : [])],
};
if (!hasFlag("--no-save")) await saveResult(result);
log(
  `${JSON.stringify(metrics)}${problems.length ? `\nFAILED: ${problems.length} problems: ${problems.slice(0, 3).join("; ")}` : ""}`,
);
process.exitCode = problems.length ? 1 : 0;
