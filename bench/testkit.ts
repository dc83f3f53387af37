/**
 * testkit — an app's test suite through belay/testing: start Belay in-process, run 20 call flows
 * of a voicemail app each with a 30 s recording (checking each as a test would), close. The target
 * (issue 16): the suite in under 2 s.
 *
 *   npm run bench -- testkit         (or: node --import tsx bench/testkit.ts [--flows 20] [--rounds 5])
 */

import type { AppRequest } from "../src/testing/index.js";
import { numberOption } from "./lib/args.js";
import { machineLoad } from "./lib/machine-load.js";
import { saveResult } from "./lib/report.js";
import { type BenchResult, machine, percentile, round } from "./lib/result.js";

const FLOWS = numberOption("--flows", 20);
/**
 * The suite runs this many times, each in a fresh Belay. The first, in a fresh process, is what
 * `node --test` gives a user and is the result; the later ones show the warm cost.
 */
const ROUNDS = numberOption("--rounds", 5);
const RECORDING_SEC = 30;
const GREETING = "Please leave a message after the beep.";
const GOODBYE = "Thank you. Goodbye.";

const importStarted = performance.now();
const kit = await import("../src/testing/index.js");
const importMs = performance.now() - importStarted;

/** Flow i's caller: noise in 200 ms syllables and 100 ms gaps (Belay's VAD hears speech), seeded by i. */
function callerVoice(flow: number, seconds: number): Int16Array {
  const out = new Int16Array(seconds * 8000);
  let x = (flow * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const loud = Math.floor(i / 160) % 15 < 10;
    const value = ((x >>> 16) % 16001) - 8000;
    out[i] = loud ? value : value >> 6 || 1;
  }
  return out;
}

/** The app under test, in-process: greet, record up to 30 s with a beep, thank, hang up. */
function voicemail(request: AppRequest): unknown {
  if (request.path === "/voice")
    return [
      { Say: { text: GREETING } },
      {
        RecordUtterance: {
          actionUrl: `${request.baseUrl}/recorded`,
          playBeep: true,
          finishOnKey: "#",
          maxLengthSec: RECORDING_SEC,
          silenceTimeoutMs: 10_000,
        },
      },
    ];
  if (request.path === "/recorded") return [{ Say: { text: GOODBYE } }, { Hangup: {} }];
  return [];
}

const voices = Array.from({ length: FLOWS }, (_, flow) => callerVoice(flow, RECORDING_SEC + 10));
const problems: string[] = [];

/** One run of the suite, timed from startBelay to close, as `node --test` would run it. */
interface SuiteRun {
  totalMs: number;
  startMs: number;
  callsMs: number;
  closeMs: number;
}

async function suite(): Promise<SuiteRun> {
  const t0 = performance.now();
  const belay = await kit.startBelay();
  const t1 = performance.now();
  for (let flow = 0; flow < FLOWS; flow++) {
    const voice = voices[flow] as Int16Array;
    const call = await belay.call({
      app: voicemail,
      statusUrl: "/status",
      from: `+1555000${String(1000 + flow)}`,
      audio: voice,
      audioAt: 0,
    });
    // What the app's test asserts, every flow.
    const [recording] = call.recordings;
    const said = call.said();
    if (call.callEndedReason !== "appHangup") problems.push(`flow ${flow}: ended ${call.callEndedReason}`);
    if (said.length !== 2 || said[0] !== GREETING || said[1] !== GOODBYE)
      problems.push(`flow ${flow}: said ${JSON.stringify(said)}`);
    if (recording?.termReason !== "maxLength" || recording.samples.length !== RECORDING_SEC * 8000)
      problems.push(`flow ${flow}: recording ${recording?.termReason} ${recording?.samples.length}`);
    else if (kit.findAudio(voice, recording.samples.subarray(0, 8000)) < 0)
      problems.push(`flow ${flow}: the recording is not the caller's voice`);
    if (call.webhooks.length !== 3 || !call.webhooks.every((w) => w.ok && call.webhookVerified(w)))
      problems.push(`flow ${flow}: webhooks ${call.webhooks.map((w) => `${w.requestType} ${w.status}`)}`);
  }
  const t2 = performance.now();
  await belay.close();
  const t3 = performance.now();
  return { totalMs: t3 - t0, startMs: t1 - t0, callsMs: t2 - t1, closeMs: t3 - t2 };
}

const loadBefore = await machineLoad();
const runs: SuiteRun[] = [];
for (let round = 0; round < ROUNDS; round++) runs.push(await suite());
const [first, ...warm] = runs as [SuiteRun, ...SuiteRun[]];

const result: BenchResult = {
  name: "testkit",
  summary: `an app's test suite through belay/testing: startBelay(), ${FLOWS} voicemail call flows each with a ${RECORDING_SEC} s recording (greeting, beep, maxLength, goodbye) checked as a test would (said(), the recording's samples against the caller's audio, three signed webhooks), close(); the first suite of a fresh process, then ${ROUNDS - 1} more for the warm cost`,
  command: "npm run bench -- testkit",
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  metrics: {
    suiteMs: round(first.totalMs, 0),
    startBelayMs: round(first.startMs, 0),
    msPerFlow: round(first.callsMs / FLOWS, 1),
    closeMs: round(first.closeMs, 0),
    warmSuiteMedianMs: round(
      percentile(
        warm.map((r) => r.totalMs),
        50,
      ),
      0,
    ),
    warmMsPerFlowMedian: round(
      percentile(
        warm.map((r) => r.callsMs),
        50,
      ) / FLOWS,
      1,
    ),
    importMs: round(importMs, 0),
  },
  targets: [{ metric: "suiteMs", op: "<=", value: 2000, label: `${FLOWS} flows with 30 s recordings < 2 s` }],
  checks: [
    "every flow ended appHangup and said() gave the greeting and the goodbye, in full",
    `every recording is ${RECORDING_SEC} s (maxLength) and its first second is found, sample for sample, in the caller's audio`,
    "every flow's inboundCall, record and callStatus webhooks were answered 2xx and verify with the account's signing secret",
  ],
  notes: [
    `machine at the start: ${loadBefore}; at the end: ${await machineLoad()}`,
    "suiteMs is startBelay() to close() with the flows run one after another, as node:test runs the tests of a file, in a fresh process: it includes the first synthesis of the two prompts and V8 warming up; importMs (before it, not in it) is importing belay/testing, which also starts the speech engine's worker; the warm suites (warmSuiteMedianMs) are the same suite again in the same process",
    ...(problems.length ? [`FAILED CHECKS: ${problems.slice(0, 5).join("; ")}`] : []),
  ],
};
await saveResult(result);
process.stdout.write(
  `${JSON.stringify(result.metrics)}${problems.length ? `\nFAILED: ${problems.length} problems` : ""}\n`,
);
process.exitCode = problems.length ? 1 : 0;
