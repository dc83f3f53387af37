/**
 * webhook — time from a recording's ending event to its `record` request arriving at the app.
 * SIP callers (bench/apps/sip-callers.ts, own process) dial Belay (this process); the app
 * (bench/apps/voicemail-app.ts, own process, RecordUtterance with finishOnKey #, a silence timeout
 * and a length limit) timestamps each record webhook's arrival. Four kinds, --count calls each,
 * --concurrency at once:
 *
 *   key        the '#' (RFC 4733) packet's send time                      → finishKey
 *   silence    the first silent packet's send time + silenceTimeoutMs      → timeout
 *   maxLength  recordingStarted (Belay's timeline, this process) + maxLength → maxLength
 *   hangup     the BYE's send time                                          → hangup
 *
 * All times are performance.timeOrigin + performance.now() of processes on one machine. The limit:
 * the same app's plain HTTP round trip from Node (undici, keep-alive) in the same run.
 *
 *   npm run bench -- webhook   (or: node --expose-gc --import tsx bench/webhook.ts [--count 1000] [--concurrency 50])
 */

import { rm } from "node:fs/promises";
import { Client } from "undici";
import type { Call } from "../src/engine/call.js";
import type { Engine } from "../src/engine/engine.js";
import { startAppProcess } from "./lib/app-process.js";
import { numberOption } from "./lib/args.js";
import { measureDiskFlush } from "./lib/disk-flush.js";
import { postJson } from "./lib/post.js";
import { saveResult } from "./lib/report.js";
import { type BenchResult, machine, percentile, round } from "./lib/result.js";
import {
  addNumber,
  machineLoad,
  NUMBER,
  sleep,
  startCallers,
  startSipBelay,
  wallNow,
} from "./lib/sip-load.js";

const COUNT = numberOption("--count", 1000);
const CONCURRENCY = numberOption("--concurrency", 50);
const SILENCE_MS = 1000;
const MAX_LENGTH_SEC = 4;
/** 70 frames: the callers' audio ends with a loud 200 ms (see callerAudioBytes). */
const AUDIO_MS = 1400;
const problems: string[] = [];

const loadAtStart = await machineLoad();
const { belay, sipPort, dataDir } = await startSipBelay(CONCURRENCY * 2);
const app = await startAppProcess([
  "--max-length-sec",
  String(MAX_LENGTH_SEC),
  "--silence-timeout-ms",
  String(SILENCE_MS),
  "--finish-on-key",
  "#",
  "--no-say",
]);
await addNumber(belay, `${app.url}/voice`, `${app.url}/status`);

// Belay's own timeline, read in this process without touching src/: when each call's recording
// began (for the length deadline) and when its file was done (the `recording` event, just before
// the webhook is sent).
const recordingStartedAt = new Map<string, number>();
const recordingDoneAt = new Map<string, number>();
const engine = belay.engine as Engine;
const start = engine.start.bind(engine);
engine.start = (spec, options = {}) =>
  start(spec, {
    ...options,
    onCreated(call: Call) {
      options.onCreated?.(call);
      call.onTimeline((event) => {
        if (event.type === "recordingStarted") recordingStartedAt.set(spec.from, wallNow());
        if (event.type === "recording") recordingDoneAt.set(spec.from, wallNow());
      });
    },
  });

type Kind = "key" | "silence" | "maxLength" | "hangup";
const KINDS: Array<{ kind: Kind; script: string; termReason: string }> = [
  { kind: "key", script: "key", termReason: "finishKey" },
  { kind: "silence", script: "silence", termReason: "timeout" },
  { kind: "maxLength", script: "wait", termReason: "maxLength" },
  { kind: "hangup", script: "hangup", termReason: "hangup" },
];
const latencies: Record<string, number[]> = {};
const webhookLeg: Record<string, number[]> = {};
const toRecordingEvent: Record<string, number[]> = {};
const records: Array<{ atMs: number; body: Record<string, unknown> }> = [];

try {
  for (const [k, { kind, script, termReason }] of KINDS.entries()) {
    const first = (k + 1) * 100_000;
    const gen = startCallers([
      "--sip-port",
      String(sipPort),
      "--number",
      NUMBER,
      "--calls",
      String(COUNT),
      "--first-call",
      String(first),
      "--script",
      script,
      "--audio-ms",
      String(AUDIO_MS),
      "--rate",
      "100",
      "--concurrency",
      String(CONCURRENCY),
      "--sample-every",
      "1000000",
      "--max-sec",
      String(Math.ceil((COUNT / CONCURRENCY) * 15 + 60)),
    ]);
    const report = await gen.report;
    gen.kill();
    const byFrom = new Map(report.calls.map((c) => [c.from, c]));
    const waitUntil = performance.now() + 30_000;
    const mine = () => records.filter((r) => byFrom.has(String(r.body.from)));
    while (mine().length < COUNT && performance.now() < waitUntil) {
      records.push(...(await app.stats()).records);
      if (mine().length < COUNT) await sleep(200);
    }
    const got = mine();
    const failed = report.calls.filter((c) => c.state !== "done");
    if (failed.length) problems.push(`${kind}: ${failed.length} calls did not complete`);
    if (got.length !== COUNT) problems.push(`${kind}: ${got.length} record webhooks for ${COUNT} calls`);
    const wrong = got.filter((r) => r.body.termReason !== termReason);
    if (wrong.length)
      problems.push(
        `${kind}: ${wrong.length} termReasons not ${termReason} (e.g. ${wrong[0]?.body.termReason})`,
      );
    const values: number[] = [];
    const leg: number[] = [];
    const before: number[] = [];
    for (const r of got) {
      const from = String(r.body.from);
      const c = byFrom.get(from);
      if (!c || r.body.termReason !== termReason) continue;
      let eventAt: number | undefined;
      if (kind === "key" || kind === "hangup") eventAt = c.actionAt;
      else if (kind === "silence")
        eventAt = c.actionAt === undefined ? undefined : c.actionAt + 20 + SILENCE_MS;
      else {
        const startedAt = recordingStartedAt.get(from);
        eventAt = startedAt === undefined ? undefined : startedAt + MAX_LENGTH_SEC * 1000;
      }
      if (eventAt === undefined) {
        problems.push(`${kind}: no event time for ${from}`);
        continue;
      }
      values.push(r.atMs - eventAt);
      const done = recordingDoneAt.get(from);
      if (done !== undefined) {
        leg.push(r.atMs - done);
        before.push(done - eventAt);
      }
    }
    latencies[kind] = values;
    webhookLeg[kind] = leg;
    toRecordingEvent[kind] = before;
    records.length = 0;
    const settle = performance.now() + 30_000;
    while (belay.engine.liveCount() > 0 && performance.now() < settle) await sleep(100);
    process.stdout.write(
      `${kind}: n ${values.length} p50 ${round(percentile(values, 50))} p99 ${round(percentile(values, 99))} max ${round(Math.max(...values))} ms; recording event → webhook p99 ${round(percentile(leg, 99))} ms\n`,
    );
  }
} finally {
  await belay.close();
}

// The limit: the same app's plain round trip, 1000 keep-alive POSTs of a record-sized body.
const connection = new Client(app.url);
const body = JSON.stringify({
  requestType: "ping",
  accountId: belay.account.accountId,
  callId: "CA0000000000000000000000000000000000000000",
  from: "+15551000000",
  to: NUMBER,
  recordingUrl: `${belay.publicUrl()}/Accounts/AC/Recordings/RE0000000000000000000000000000000000000000/Download`,
  recordingId: "RE0000000000000000000000000000000000000000",
  recordingSize: "64044",
  recordingFormat: "audio/wav",
  recordingDurationSec: 4,
  termReason: "maxLength",
  privacyMode: false,
});
const roundTrips: number[] = [];
const url = new URL(`${app.url}/ping`);
for (let i = 0; i < 1000; i++) {
  const t0 = performance.now();
  await postJson(url, body, connection);
  roundTrips.push(performance.now() - t0);
}
await connection.close();
await app.stop();
// The disk's share of a burst: as many recording-sized files as calls end together, made durable.
const disk = await measureDiskFlush(`${dataDir}-disk`, {
  files: CONCURRENCY,
  bytes: 44 + AUDIO_MS * 16,
  rounds: 20,
});
await rm(dataDir, { recursive: true, force: true });

const bare = { p50Ms: round(percentile(roundTrips, 50)), p99Ms: round(percentile(roundTrips, 99)) };
const metrics: Record<string, number> = {};
for (const { kind } of KINDS) {
  const v = latencies[kind] ?? [];
  metrics[`${kind}P50Ms`] = round(percentile(v, 50));
  metrics[`${kind}P99Ms`] = round(percentile(v, 99));
  metrics[`${kind}MaxMs`] = round(Math.max(...v));
}
const p99s = KINDS.map(({ kind }) => metrics[`${kind}P99Ms`] as number);
metrics.worstP99Ms = Math.max(...p99s);
metrics.worstP99OverBareMs = round(metrics.worstP99Ms - bare.p99Ms);
const result: BenchResult = {
  name: "webhook",
  summary: `${COUNT} recordings each ended by a key, by silence, by maxLength and by hang-up (${CONCURRENCY} SIP calls at once): ending event → record webhook at the app`,
  command: `npm run bench -- webhook${COUNT !== 1000 ? ` (--count ${COUNT})` : ""}`,
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  metrics,
  targets: [
    { metric: "worstP99Ms", op: "<=", value: 20, label: "p99 < 20 ms (every kind)" },
    { metric: "worstP99OverBareMs", op: "<=", value: 5, label: "p99 within 5 ms of the bare round trip" },
  ],
  limit: {
    what: `the same app's plain HTTP round trip from Node (undici, the client Belay's webhooks use, one kept-alive connection, 1000 POSTs); and the disk alone: ${CONCURRENCY} files of a recording's size written, fdatasynced, renamed and their folder fsynced at once, 20 times, time until each is durable (diskP50Ms, diskP99Ms)`,
    metrics: { ...bare, diskP50Ms: disk.fileP50Ms, diskP99Ms: disk.fileP99Ms },
  },
  checks: [
    `${COUNT} record webhooks per kind, each with the expected termReason (finishKey, timeout, maxLength, hangup)`,
    "every caller's INVITE answered and its call ended as scripted (its BYE acknowledged, or Belay's BYE answered)",
  ],
  notes: [
    `machine at the start: ${loadAtStart}; at the end: ${await machineLoad()} (others' work shares these cores)`,
    `where the time goes, p50 / p99 per kind: event → Belay's timeline \`recording\` event (the end decided, the WAV closed and its row written) and then → arrival at the app (the webhook queued in the outbox and sent): ${KINDS.map(({ kind }) => `${kind} ${round(percentile(toRecordingEvent[kind] ?? [], 50))} / ${round(percentile(toRecordingEvent[kind] ?? [], 99))} ms then ${round(percentile(webhookLeg[kind] ?? [], 50))} / ${round(percentile(webhookLeg[kind] ?? [], 99))} ms`).join("; ")}`,
    `a key goes up as its event packet arrives, after the whole frames of audio before it; audio frames go up as soon as they are whole (the newest held back one frame for a key beside it), so silence is heard about a frame after it is sent rather than a playout delay (60 ms) later; silence is timed from the first quiet frame, so the detector's 240 ms hangover is not added; the length and silence limits are counted in 20 ms frames, so they can fall up to one frame after the deadline`,
    `app: RecordUtterance finishOnKey #, silenceTimeoutMs ${SILENCE_MS}, maxLengthSec ${MAX_LENGTH_SEC}, beep on, no Say; callers send ${AUDIO_MS} ms of audio, then the key, silence, more audio, or BYE`,
    ...(problems.length ? [`FAILED CHECKS: ${problems.join("; ")}`] : []),
  ],
};
await saveResult(result);
process.stdout.write(
  `${JSON.stringify(result.metrics)} limit ${JSON.stringify(result.limit?.metrics)}${problems.length ? `\nFAILED: ${problems.join("; ")}` : ""}\n`,
);
process.exitCode = problems.length ? 1 : 0;
