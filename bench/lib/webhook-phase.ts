/**
 * One phase of the webhook benchmark: for each way a recording ends, `count` SIP calls placed at
 * `rate` a second, at most `concurrency` at once, and for each the time from its ending event to
 * its `record` webhook arriving at the app. bench/webhook.ts runs it spaced (one call ending at a
 * time) and as a burst (50 at once).
 */

import type { Call } from "../../src/engine/call.js";
import type { Engine } from "../../src/engine/engine.js";
import type { Belay } from "../../src/server/belay.js";
import type { AppProcess } from "./app-process.js";
import { LoopLag } from "./loop-lag.js";
import { runQueueWaitMs } from "./machine-load.js";
import { percentile, round } from "./result.js";
import { NUMBER, sleep, startCallers, wallNow } from "./sip-load.js";

export const SILENCE_MS = 1000;
export const MAX_LENGTH_SEC = 4;
/** 70 frames: the callers' audio ends with a loud 200 ms (see callerAudioBytes). */
export const AUDIO_MS = 1400;

export type Kind = "key" | "silence" | "maxLength" | "hangup";
export const KINDS: Array<{ kind: Kind; script: string; termReason: string }> = [
  { kind: "key", script: "key", termReason: "finishKey" },
  { kind: "silence", script: "silence", termReason: "timeout" },
  { kind: "maxLength", script: "wait", termReason: "maxLength" },
  { kind: "hangup", script: "hangup", termReason: "hangup" },
];

/** Per kind: ending event → arrival, and its split at Belay's `recording` timeline event. */
export interface KindTimes {
  total: number[];
  toRecordingEvent: number[];
  webhookLeg: number[];
  /** Belay's event-loop lag p99 over the kind's calls, and the share of their time its main thread waited for a CPU. */
  loopLagP99Ms: number;
  waitedForCpuPct: number;
}

/**
 * Belay's own timeline, read in this process without touching src/: when each call's recording
 * began (for the length deadline) and when its file was done (the `recording` event, just before
 * the webhook is sent). Keyed by the caller's number.
 */
export function watchTimelines(belay: Belay): {
  startedAt: Map<string, number>;
  doneAt: Map<string, number>;
} {
  const startedAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  const engine = belay.engine as Engine;
  const start = engine.start.bind(engine);
  engine.start = (spec, options = {}) =>
    start(spec, {
      ...options,
      onCreated(call: Call) {
        options.onCreated?.(call);
        call.onTimeline((event) => {
          if (event.type === "recordingStarted") startedAt.set(spec.from, wallNow());
          if (event.type === "recording") doneAt.set(spec.from, wallNow());
        });
      },
    });
  return { startedAt, doneAt };
}

export async function runPhase(options: {
  name: string;
  belay: Belay;
  sipPort: number;
  app: AppProcess;
  timelines: ReturnType<typeof watchTimelines>;
  count: number;
  concurrency: number;
  rate: number;
  /** Each kind's callers are numbered from firstCall + (k + 1) * 100 000, so phases do not collide. */
  firstCall: number;
  problems: string[];
}): Promise<Record<Kind, KindTimes>> {
  const { belay, app, timelines, count, problems, name } = options;
  const out = {} as Record<Kind, KindTimes>;
  const records: Array<{ atMs: number; body: Record<string, unknown> }> = [];
  for (const [k, { kind, script, termReason }] of KINDS.entries()) {
    const lag = new LoopLag(10);
    lag.enable();
    const waitedBefore = await runQueueWaitMs();
    const startedAt = performance.now();
    const gen = startCallers([
      ...["--sip-port", String(options.sipPort), "--number", NUMBER, "--calls", String(count)],
      ...["--first-call", String(options.firstCall + (k + 1) * 100_000), "--script", script],
      ...["--audio-ms", String(AUDIO_MS), "--rate", String(options.rate)],
      ...["--concurrency", String(options.concurrency), "--sample-every", "1000000"],
      ...["--max-sec", String(Math.ceil(count / options.rate + (count / options.concurrency) * 15 + 60))],
    ]);
    const report = await gen.report;
    gen.kill();
    lag.disable();
    const waitedForCpuPct =
      (100 * ((await runQueueWaitMs()) - waitedBefore)) / (performance.now() - startedAt);
    const byFrom = new Map(report.calls.map((c) => [c.from, c]));
    const waitUntil = performance.now() + 30_000;
    const mine = () => records.filter((r) => byFrom.has(String(r.body.from)));
    while (mine().length < count && performance.now() < waitUntil) {
      records.push(...(await app.stats()).records);
      if (mine().length < count) await sleep(200);
    }
    const got = mine();
    const failed = report.calls.filter((c) => c.state !== "done");
    if (failed.length) problems.push(`${name} ${kind}: ${failed.length} calls did not complete`);
    if (got.length !== count)
      problems.push(`${name} ${kind}: ${got.length} record webhooks for ${count} calls`);
    const wrong = got.filter((r) => r.body.termReason !== termReason);
    if (wrong.length)
      problems.push(
        `${name} ${kind}: ${wrong.length} termReasons not ${termReason} (e.g. ${wrong[0]?.body.termReason})`,
      );
    const times: KindTimes = {
      total: [],
      toRecordingEvent: [],
      webhookLeg: [],
      loopLagP99Ms: round(lag.percentileMs(99), 1),
      waitedForCpuPct: round(waitedForCpuPct, 1),
    };
    for (const r of got) {
      const from = String(r.body.from);
      const c = byFrom.get(from);
      if (!c || r.body.termReason !== termReason) continue;
      let eventAt: number | undefined;
      if (kind === "key" || kind === "hangup") eventAt = c.actionAt;
      else if (kind === "silence")
        eventAt = c.actionAt === undefined ? undefined : c.actionAt + 20 + SILENCE_MS;
      else {
        const startedAt = timelines.startedAt.get(from);
        eventAt = startedAt === undefined ? undefined : startedAt + MAX_LENGTH_SEC * 1000;
      }
      if (eventAt === undefined) {
        problems.push(`${name} ${kind}: no event time for ${from}`);
        continue;
      }
      times.total.push(r.atMs - eventAt);
      const done = timelines.doneAt.get(from);
      if (done !== undefined) {
        times.webhookLeg.push(r.atMs - done);
        times.toRecordingEvent.push(done - eventAt);
      }
    }
    out[kind] = times;
    records.length = 0;
    const settle = performance.now() + 30_000;
    while (belay.engine.liveCount() > 0 && performance.now() < settle) await sleep(100);
    const v = times.total;
    process.stdout.write(
      `${name} ${kind}: n ${v.length} p50 ${round(percentile(v, 50))} p99 ${round(percentile(v, 99))} max ${round(Math.max(...v))} ms; recording event → webhook p99 ${round(percentile(times.webhookLeg, 99))} ms; loop lag p99 ${times.loopLagP99Ms} ms, waited for a CPU ${times.waitedForCpuPct}% of the time\n`,
    );
  }
  return out;
}

/** "kind p50 / p99 ms then p50 / p99 ms" for each kind: before and after the `recording` event. */
export function splitNote(times: Record<Kind, KindTimes>): string {
  const pair = (v: number[]) => `${round(percentile(v, 50))} / ${round(percentile(v, 99))} ms`;
  return KINDS.map(
    ({ kind }) =>
      `${kind} ${pair(times[kind].toRecordingEvent)} then ${pair(times[kind].webhookLeg)} (loop lag p99 ${times[kind].loopLagP99Ms} ms, main thread waiting for a CPU ${times[kind].waitedForCpuPct}% of the time)`,
  ).join("; ");
}
