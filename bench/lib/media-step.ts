/**
 * One step of the media benchmark: N callers at the given phases, first against the bare UDP sink
 * (the limit), then against Belay; every recording checked, delay, lag, CPU and RSS measured while
 * all N stream. See bench/media.ts for what each number means.
 */
import type { Belay } from "../../src/server/belay.js";
import type { startAppProcess } from "./app-process.js";
import { eachLimited } from "./limited.js";
import { LoopLag } from "./loop-lag.js";
import { mainThreadSchedule } from "./machine-load.js";
import { percentile, round } from "./result.js";
import type { RtpDelayProbe } from "./rtp-delay-probe.js";
import {
  compareRecording,
  download,
  type GeneratorReport,
  NUMBER,
  sentAudio,
  sleep,
  startCallers,
  startSink,
} from "./sip-load.js";

export type Phases = "independent" | "burst";

export interface StepSetup {
  belay: Belay;
  sipPort: number;
  app: Awaited<ReturnType<typeof startAppProcess>>;
  probe: RtpDelayProbe;
  durationSec: number;
  sinkDurationSec: number;
  sampleEvery: number;
  rate: number;
  gc?: () => void;
}

export interface Step {
  phases: Phases;
  calls: number;
  ok: boolean;
  recordingsCorrect: number;
  rtpDelayP50Ms: number;
  rtpDelayP99Ms: number;
  rtpDelayMaxMs: number;
  delaySamples: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  cpuPctPerCall: number;
  belayCpuPct: number;
  rssPerCallKB: number;
  belayCpuPerPacketUs: number;
  /** Of it, Belay's main thread (the engine, recorder, WAV, store); the rest is media workers, GC helpers, libuv's pool. */
  mainThreadCpuPerPacketUs: number;
  mainThreadCpuPct: number;
  sinkCpuPerPacketUs: number;
  costVsSink: number;
  sendLatenessP99Ms: number;
  /** The generator's own CPU per packet and share of a core while all N streamed to Belay. */
  generatorCpuPerPacketUs: number;
  generatorCpuPct: number;
  /** Share of the window Belay's main thread was ready to run but waiting for a CPU: the machine's part. */
  waitedForCpuPct: number;
  /** Silence before the caller's first audio in its recording: answer → first packet played out. */
  leadSilenceP50Ms: number;
  leadSilenceMaxMs: number;
  /** Most frames a caller had sent before its recording began (0: every recording has them all). */
  framesBeforeRecordingMax: number;
  why: string[];
}

function rss(gc?: () => void): number {
  gc?.();
  return process.memoryUsage().rss;
}

/** The limit: the same generator and pattern into a bare UDP sink with one socket per call. */
export async function sinkPhase(setup: StepSetup, n: number, phases: Phases): Promise<number> {
  const d = setup.sinkDurationSec;
  const sink = await startSink(n);
  const gen = startCallers([
    "--raw-ports",
    sink.ports.join(","),
    "--audio-ms",
    String(d * 1000),
    "--rate",
    String(setup.rate),
    "--phases",
    phases,
    "--sample-every",
    "1000000",
    "--max-sec",
    String(d + 60),
  ]);
  try {
    const all = await gen.allStreaming;
    await sleep(1000);
    sink.start();
    await sleep(Math.max(1000, d * 1000 - all.rampMs - 2500));
    const used = await sink.stop();
    await gen.report;
    return used.cpuUs / Math.max(1, used.packets);
  } finally {
    gen.kill();
    await sink.close();
  }
}

export async function belayPhase(
  setup: StepSetup,
  n: number,
  phases: Phases,
  sinkPerPacketUs: number,
): Promise<Step> {
  const { belay, sipPort, app, probe, durationSec: D } = setup;
  const why: string[] = [];
  const rssBefore = rss(setup.gc);
  probe.clear();
  const gen = startCallers([
    "--sip-port",
    String(sipPort),
    "--number",
    NUMBER,
    "--calls",
    String(n),
    "--script",
    "hangup",
    "--bye-after-ms",
    "400",
    "--audio-ms",
    String(D * 1000),
    "--rate",
    String(setup.rate),
    "--phases",
    phases,
    "--sample-every",
    String(setup.sampleEvery),
    "--max-sec",
    String(D + 120),
  ]);
  const lag = new LoopLag(1);
  let cpuUs = 0;
  let mainUs = Number.NaN;
  let windowMs = 0;
  let windowPackets = 0;
  let waitedMs = Number.NaN;
  let rssPeak = rssBefore;
  try {
    const all = await Promise.race([
      gen.allStreaming,
      gen.report.then(() => {
        throw new Error("the generator ended before every call was streaming");
      }),
    ]);
    await sleep(1000);
    const cpu0 = process.cpuUsage();
    const main0 = await mainThreadSchedule();
    const t0 = performance.now();
    probe.start();
    lag.enable();
    await sleep(Math.max(1000, D * 1000 - all.rampMs - 3000));
    lag.disable();
    const used = process.cpuUsage(cpu0);
    const main1 = await mainThreadSchedule();
    mainUs = main1.ranUs - main0.ranUs;
    waitedMs = main1.waitedMs - main0.waitedMs;
    cpuUs = used.user + used.system;
    windowMs = performance.now() - t0;
    await probe.stop();
    windowPackets = probe.packets;
    rssPeak = rss(setup.gc);
  } catch (err) {
    await probe.stop().catch(() => undefined);
    lag.disable();
    why.push(String(err instanceof Error ? err.message : err));
  }
  const report: GeneratorReport = await gen.report.catch((err: unknown) => {
    why.push(String(err));
    return { calls: [], sendLatenessMs: [] };
  });
  gen.kill();
  const failedCalls = report.calls.filter((c) => c.state !== "done");
  if (failedCalls.length) why.push(`${failedCalls.length} calls did not complete their script`);
  const checked = await checkRecordings(belay, app, report, n, why);
  // Delay of the sampled packets that were handled while the window was open.
  const delays: number[] = [];
  for (const c of report.calls) {
    for (const [seq, sentAt] of c.samples) {
      const at = probe.handledAt.get(c.ssrc * 65536 + seq);
      if (at !== undefined) delays.push(at - sentAt);
    }
  }
  const perPacketUs = cpuUs / Math.max(1, windowPackets);
  const step: Step = {
    phases,
    calls: n,
    ok: false,
    recordingsCorrect: checked.correct,
    rtpDelayP50Ms: round(percentile(delays, 50), 3),
    rtpDelayP99Ms: round(percentile(delays, 99), 3),
    rtpDelayMaxMs: round(Math.max(...delays), 2),
    delaySamples: delays.length,
    loopLagP99Ms: round(lag.percentileMs(99), 2),
    loopLagMaxMs: round(lag.maxMs, 1),
    cpuPctPerCall: round((100 * cpuUs) / (windowMs * 1000) / n, 4),
    belayCpuPct: round((100 * cpuUs) / (windowMs * 1000), 1),
    rssPerCallKB: round((rssPeak - rssBefore) / 1024 / n, 1),
    belayCpuPerPacketUs: round(perPacketUs, 2),
    mainThreadCpuPerPacketUs: round(mainUs / Math.max(1, windowPackets), 2),
    mainThreadCpuPct: round((100 * mainUs) / (windowMs * 1000), 1),
    sinkCpuPerPacketUs: round(sinkPerPacketUs, 2),
    costVsSink: round(perPacketUs / sinkPerPacketUs, 2),
    sendLatenessP99Ms: round(percentile(report.sendLatenessMs, 99), 2),
    generatorCpuPerPacketUs: round(report.generator?.cpuUsPerPacket ?? Number.NaN, 2),
    generatorCpuPct: round(report.generator?.cpuPct ?? Number.NaN, 1),
    waitedForCpuPct: round((100 * waitedMs) / windowMs, 1),
    leadSilenceP50Ms: checked.leads.length ? percentile(checked.leads, 50) : Number.NaN,
    leadSilenceMaxMs: checked.leads.length ? Math.max(...checked.leads) : Number.NaN,
    framesBeforeRecordingMax: checked.startedLate,
    why,
  };
  if (checked.correct !== n) why.push(`${checked.correct} of ${n} recordings correct`);
  if (!(delays.length > 0)) why.push("no RTP delay samples");
  if (!(step.rtpDelayP99Ms < 5)) why.push(`p99 RTP handling delay ${step.rtpDelayP99Ms} ms ≥ 5`);
  if (!(step.loopLagP99Ms < 10)) why.push(`event loop lag p99 ${step.loopLagP99Ms} ms ≥ 10`);
  step.ok = why.length === 0;
  // Let the calls' ends settle (webhooks, Hangup) before the next step.
  const settle = performance.now() + 30_000;
  while (belay.engine.liveCount() > 0 && performance.now() < settle) await sleep(200);
  return step;
}

/** Every record webhook (bounded wait), then every recording compared with what its caller sent. */
async function checkRecordings(
  belay: Belay,
  app: StepSetup["app"],
  report: GeneratorReport,
  n: number,
  why: string[],
): Promise<{ correct: number; leads: number[]; startedLate: number }> {
  const records: Array<{ body: Record<string, unknown> }> = [];
  const froms = new Set(report.calls.map((c) => c.from));
  const waitUntil = performance.now() + 60_000;
  while (records.length < report.calls.length && performance.now() < waitUntil) {
    for (const r of (await app.stats()).records) if (froms.has(String(r.body.from))) records.push(r);
    if (records.length < report.calls.length) await sleep(250);
  }
  if (records.length !== n) why.push(`${records.length} record webhooks for ${n} calls`);
  let correct = 0;
  const leads: number[] = [];
  let startedLate = 0;
  const byFrom = new Map(report.calls.map((c) => [c.from, c]));
  const wrong: string[] = [];
  await eachLimited(records, 4, async (r) => {
    const c = byFrom.get(String(r.body.from));
    if (!c || r.body.termReason !== "hangup" || !r.body.recordingUrl) {
      wrong.push(`${r.body.from}: termReason ${r.body.termReason}, url ${r.body.recordingUrl}`);
      return;
    }
    const wav = await download(belay, String(r.body.recordingUrl));
    const cmp = compareRecording(wav, sentAudio(c.index, c.audioFrames), { trailing: 30, tail: 0 });
    leads.push(cmp.leadingSilentFrames * 20);
    startedLate = Math.max(startedLate, cmp.firstFrame);
    if (cmp.ok) correct++;
    else wrong.push(`${c.from}: ${cmp.why}`);
  });
  if (wrong.length) why.push(`${wrong.length} recordings wrong, e.g. ${wrong.slice(0, 3).join("; ")}`);
  return { correct, leads, startedLate };
}
