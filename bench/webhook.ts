/**
 * webhook — time from a recording's ending event to its `record` request arriving at the app.
 * SIP callers (bench/apps/sip-callers.ts, own process) dial Belay (this process); the app
 * (bench/apps/voicemail-app.ts, own process, RecordUtterance with finishOnKey #, a silence timeout
 * and a length limit) timestamps each record webhook's arrival. Four kinds (bench/lib/webhook-phase.ts):
 *
 *   key        the '#' (RFC 4733) packet's send time                      → finishKey
 *   silence    the first silent packet's send time + silenceTimeoutMs      → timeout
 *   maxLength  recordingStarted (Belay's timeline, this process) + maxLength → maxLength
 *   hangup     the BYE's send time                                          → hangup
 *
 * Two phases: *spaced*, --spaced-count calls per kind placed 200 ms apart, so one call ends at a
 * time; and *burst*, --count calls per kind, --concurrency at once. All times are
 * performance.timeOrigin + performance.now() of processes on one machine. The limits, in the same
 * run: the same app's plain HTTP round trip from Node (undici, keep-alive), and the disk's own time
 * to make one recording durable, and --concurrency of them at once.
 *
 *   npm run bench -- webhook   (or: node --expose-gc --import tsx bench/webhook.ts [--count 1000]
 *                               [--concurrency 50] [--spaced-count 100])
 */
import { rm } from "node:fs/promises";
import { Client } from "undici";
import { CONFIG_DEFAULTS } from "../src/server/config.js";
import { startAppProcess } from "./lib/app-process.js";
import { numberOption } from "./lib/args.js";
import { measureDiskFlush } from "./lib/disk-flush.js";
import { postJson } from "./lib/post.js";
import { saveResult } from "./lib/report.js";
import { type BenchResult, machine, percentile, round } from "./lib/result.js";
import { addNumber, machineLoad, NUMBER, startSipBelay } from "./lib/sip-load.js";
import {
  AUDIO_MS,
  KINDS,
  type Kind,
  type KindTimes,
  MAX_LENGTH_SEC,
  runPhase,
  SILENCE_MS,
  splitNote,
  watchTimelines,
} from "./lib/webhook-phase.js";

const COUNT = numberOption("--count", 1000);
const CONCURRENCY = numberOption("--concurrency", 50);
const SPACED_COUNT = numberOption("--spaced-count", 100);
/** Spaced calls start 200 ms apart: each has ended and sent its webhook before the next ends. */
const SPACED_RATE = 5;
const problems: string[] = [];

const loadAtStart = await machineLoad();
// Belay's default media workers unless --media-workers says otherwise (0: RTP on the main thread).
const MEDIA_WORKERS = numberOption("--media-workers", CONFIG_DEFAULTS.mediaWorkers);
const { belay, sipPort, dataDir } = await startSipBelay(CONCURRENCY * 2, { workers: MEDIA_WORKERS });
const app = await startAppProcess([
  ...["--max-length-sec", String(MAX_LENGTH_SEC), "--silence-timeout-ms", String(SILENCE_MS)],
  ...["--finish-on-key", "#", "--no-say"],
]);
await addNumber(belay, `${app.url}/voice`, `${app.url}/status`);
const timelines = watchTimelines(belay);

const phase = { belay, sipPort, app, timelines, problems };
let spaced: Record<Kind, KindTimes>;
let burst: Record<Kind, KindTimes>;
let loadBetween = "";
try {
  spaced = await runPhase({
    ...phase,
    name: "spaced",
    count: SPACED_COUNT,
    concurrency: 10,
    rate: SPACED_RATE,
    firstCall: 0,
  });
  loadBetween = await machineLoad();
  burst = await runPhase({
    ...phase,
    name: "burst",
    count: COUNT,
    concurrency: CONCURRENCY,
    rate: 100,
    firstCall: 1_000_000,
  });
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
// The disk's share: one recording-sized file made durable at a time (200 times), and as many as
// calls end together in a burst (20 bursts).
const bytes = 44 + AUDIO_MS * 16;
const diskOne = await measureDiskFlush(`${dataDir}-disk1`, { files: 1, bytes, rounds: 200 });
const disk = await measureDiskFlush(`${dataDir}-disk`, { files: CONCURRENCY, bytes, rounds: 20 });
await rm(dataDir, { recursive: true, force: true });

const bare = { p50Ms: round(percentile(roundTrips, 50)), p99Ms: round(percentile(roundTrips, 99)) };
const metrics: Record<string, number> = {};
for (const [name, times] of [
  ["spaced", spaced],
  ["burst", burst],
] as const) {
  for (const { kind } of KINDS) {
    const v = times[kind].total;
    metrics[`${name}${kind[0]?.toUpperCase()}${kind.slice(1)}P50Ms`] = round(percentile(v, 50));
    metrics[`${name}${kind[0]?.toUpperCase()}${kind.slice(1)}P99Ms`] = round(percentile(v, 99));
  }
  metrics[`${name}WorstP99Ms`] = round(
    Math.max(...KINDS.map(({ kind }) => percentile(times[kind].total, 99))),
  );
}
metrics.spacedWorstP99OverBareMs = round((metrics.spacedWorstP99Ms as number) - bare.p99Ms);
metrics.burstWorstP99OverDiskMs = round((metrics.burstWorstP99Ms as number) - disk.fileP99Ms);
const result: BenchResult = {
  name: "webhook",
  summary: `recordings each ended by a key, by silence, by maxLength and by hang-up, over SIP: ending event → record webhook at the app; spaced (${SPACED_COUNT} a kind, one ending at a time) and in a burst (${COUNT} a kind, ${CONCURRENCY} calls at once)`,
  command: `npm run bench -- webhook${COUNT !== 1000 ? ` (--count ${COUNT})` : ""}`,
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  metrics,
  targets: [
    {
      metric: "spacedWorstP99OverBareMs",
      op: "<=",
      value: 5,
      label: "one ending at a time: p99 within 5 ms of the bare round trip (every kind)",
    },
    {
      metric: "burstWorstP99OverDiskMs",
      op: "<=",
      value: 10,
      label: `burst of ${CONCURRENCY}: p99 within 10 ms of the disk's own p99 for that burst (every kind)`,
    },
  ],
  limit: {
    what: `the same app's plain HTTP round trip from Node (undici, the client Belay's webhooks use, one kept-alive connection, 1000 POSTs); and the disk alone: a file of a recording's size written, fdatasynced, renamed and its folder fsynced, one at a time 200 times (diskOneP99Ms) and ${CONCURRENCY} at once 20 times (diskP50Ms, diskP99Ms), time until each is durable`,
    metrics: {
      ...bare,
      diskOneP50Ms: diskOne.fileP50Ms,
      diskOneP99Ms: diskOne.fileP99Ms,
      diskP50Ms: disk.fileP50Ms,
      diskP99Ms: disk.fileP99Ms,
    },
  },
  checks: [
    `${SPACED_COUNT} spaced and ${COUNT} burst record webhooks per kind, each with the expected termReason (finishKey, timeout, maxLength, hangup)`,
    "every caller's INVITE answered and its call ended as scripted (its BYE acknowledged, or Belay's BYE answered)",
  ],
  notes: [
    `machine at the start: ${loadAtStart}; between the phases: ${loadBetween}; at the end: ${await machineLoad()} (others' work shares these cores)`,
    `where the time goes, p50 / p99 per kind: event → Belay's timeline \`recording\` event (the end decided, the WAV closed and its row written) and then → arrival at the app (the webhook queued in the outbox and sent). Spaced: ${splitNote(spaced)}. Burst: ${splitNote(burst)}`,
    `a key goes up as its event packet arrives, after the whole frames of audio before it; audio frames go up as soon as they are whole (the newest held back one frame for a key beside it), so silence is heard about a frame after it is sent rather than a playout delay (60 ms) later; silence is timed from the first quiet frame, so the detector's 240 ms hangover is not added; the length and silence limits are counted in 20 ms frames, so they can fall up to one frame after the deadline`,
    `RTP ${MEDIA_WORKERS > 0 ? `on ${MEDIA_WORKERS} media workers` : "on Belay's main thread (--media-workers 0)"}`,
    `app: RecordUtterance finishOnKey #, silenceTimeoutMs ${SILENCE_MS}, maxLengthSec ${MAX_LENGTH_SEC}, beep on, no Say; callers send ${AUDIO_MS} ms of audio, then the key, silence, more audio, or BYE`,
    ...(problems.length ? [`FAILED CHECKS: ${problems.join("; ")}`] : []),
  ],
};
await saveResult(result);
process.stdout.write(
  `${JSON.stringify(result.metrics)} limit ${JSON.stringify(result.limit?.metrics)}${problems.length ? `\nFAILED: ${problems.join("; ")}` : ""}\n`,
);
process.exitCode = problems.length ? 1 : 0;
