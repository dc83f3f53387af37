/**
 * Runs real calls through the engine on simulated time: a real SQLite store, a real blob store in
 * a temporary folder, the real audio service (eSpeak NG, or none), a VirtualLeg as the caller, and
 * a scripted in-memory app. Only the app is a fake: the customer's app is genuinely outside Belay,
 * and the HTTP webhook client that talks to real apps has its own tests (test/webhooks, test/e2e).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import pino, { type Logger } from "pino";
import { newId } from "../../src/contract/ids.js";
import { type PerclCommand, parsePercl } from "../../src/contract/percl/index.js";
import { type AudioService, createAudioService } from "../../src/engine/audio-service.js";
import type { CallOutcome } from "../../src/engine/call.js";
import { DEFAULT_LIMITS, Engine, type EngineLimits } from "../../src/engine/engine.js";
import type {
  AppClient,
  Dialer,
  PerclFailureReason,
  PerclOutcome,
  WebhookBody,
  WebhookTarget,
} from "../../src/engine/ports.js";
import type { TimelineEvent } from "../../src/engine/timeline.js";
import type { CallerScript } from "../../src/legs/virtual/script.js";
import { VirtualLeg } from "../../src/legs/virtual/virtual-leg.js";
import { FRAME_SAMPLES, SAMPLE_RATE } from "../../src/media/frame.js";
import { loadSpeechEngine } from "../../src/media/tts.js";
import { VoiceActivityDetector } from "../../src/media/vad.js";
import { readWav } from "../../src/media/wav-read.js";
import type { BlobStore } from "../../src/store/blob-store.js";
import { LocalBlobStore } from "../../src/store/local-blob-store.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type { CallRow, RecordingRow, Store } from "../../src/store/types.js";
import { type Clock, SimulatedClock } from "../../src/time/clock.js";
import { toInt16, whiteNoise } from "../media/signals.js";

export const APP = "http://app.test";
export const PUBLIC_URL = "http://belay.test";
export const FROM = "+15550001111";
export const TO = "+15550002222";

/** An absolute URL on the scripted app. */
export function appUrl(path: string): string {
  return `${APP}${path}`;
}

/** What a route answers instead of PerCL to make the webhook fail. */
export interface AppFailure {
  failure: PerclFailureReason;
  status: number | null;
}

export function failWith(failure: PerclFailureReason, status: number | null = 200): AppFailure {
  return { failure, status };
}

function isFailure(value: unknown): value is AppFailure {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "failure" in value;
}

/** Answers one PerCL webhook: raw PerCL JSON (parsed like Belay parses a reply) or a failure. */
export type Route = (body: WebhookBody) => unknown;

export interface AppRequest {
  kind: "percl" | "notify";
  url: string;
  body: WebhookBody;
  /** Milliseconds on the call's clock when the request was made. */
  atMs: number;
  /** Fields the engine marked as privacyMode input. */
  privateFields: readonly string[];
}

/**
 * The app, scripted: a route per URL path, and a record of every request with its body as it would
 * arrive (a JSON round trip). An unknown path fails like a 404.
 */
export class ScriptedApp implements AppClient<PerclCommand[]> {
  readonly requests: AppRequest[] = [];

  constructor(
    private readonly routes: Record<string, Route>,
    private readonly clock: Clock,
  ) {}

  async requestPercl(
    target: WebhookTarget,
    options?: { fallbackUrl?: string | null },
  ): Promise<PerclOutcome<PerclCommand[]>> {
    const privateFields = target.privateFields ?? [];
    const first = await this.ask(target.url, target.body, privateFields);
    if (first.ok || first.reason !== "webhookFailed" || !options?.fallbackUrl) return first;
    return this.ask(options.fallbackUrl, target.body, privateFields);
  }

  async notify(target: WebhookTarget): Promise<void> {
    this.record("notify", target.url, target.body, target.privateFields ?? []);
    // A real macrotask, so an untracked wait would let simulated time run past it.
    await new Promise((resolve) => setImmediate(resolve));
  }

  private async ask(
    url: string,
    raw: WebhookBody,
    privateFields: readonly string[],
  ): Promise<PerclOutcome<PerclCommand[]>> {
    const body = this.record("percl", url, raw, privateFields);
    await new Promise((resolve) => setImmediate(resolve));
    const route = url.startsWith(APP) ? this.routes[url.slice(APP.length)] : undefined;
    if (!route) return failure("webhookFailed", `POST ${url} answered 404`, 404, url);
    const reply = route(body);
    if (isFailure(reply)) return failure(reply.failure, `scripted ${reply.failure}`, reply.status, url);
    const parsed = parsePercl(reply);
    if (!parsed.ok) return failure("appInvalidPercl", parsed.error.message, 200, url);
    // `[]` parses fine: the engine itself must turn an empty script into appNoPercl.
    return { ok: true, script: parsed.script, status: 200, latencyMs: 0, url };
  }

  private record(
    kind: AppRequest["kind"],
    url: string,
    body: WebhookBody,
    privateFields: readonly string[],
  ): WebhookBody {
    const sent = JSON.parse(JSON.stringify(body)) as WebhookBody;
    this.requests.push({ kind, url, body: sent, atMs: this.clock.now(), privateFields });
    return sent;
  }
}

function failure(
  reason: PerclFailureReason,
  message: string,
  status: number | null,
  url: string,
): PerclOutcome<PerclCommand[]> {
  return { ok: false, reason, message, status, latencyMs: 0, url };
}

export interface CallOptions<C extends Clock = SimulatedClock> {
  /** PerCL per path; the call starts with POST /voice. */
  routes: Record<string, Route>;
  caller?: CallerScript;
  /** false: no speech engine, Say plays silence. Default true (eSpeak NG). */
  speech?: boolean;
  /** Where callStatus goes; null for none. Default /status. */
  statusPath?: string | null;
  fallbackPath?: string;
  /** Default a SimulatedClock at 0; a RealClock runs the call in real time. */
  clock?: C;
  /** Where recordings go; default the harness's own folder. */
  blobs?: BlobStore;
  /** Default DEFAULT_LIMITS. */
  limits?: EngineLimits;
  /** Where Say and Play get audio; default the real audio service (eSpeak NG, or silence with speech false). */
  audio?: AudioService;
  /** The store the engine writes to; default the harness's own (the row is read from that). */
  store?: Store;
}

export interface CallRun<C extends Clock = SimulatedClock> {
  outcome: CallOutcome;
  timeline: TimelineEvent[];
  requests: AppRequest[];
  leg: VirtualLeg;
  clock: C;
  callId: string;
  /** The call's row after it ended. */
  row: CallRow;
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface StoredRecording {
  row: RecordingRow;
  bytes: Uint8Array;
  pcm: Int16Array;
}

/** One store, blob folder and account shared by the calls a test file runs. */
export class EngineHarness {
  readonly logs: LogLine[] = [];
  private readonly logger: Logger;
  private readonly withSpeech: AudioService;
  private readonly silent: AudioService;

  private constructor(
    readonly store: Store,
    readonly blobs: LocalBlobStore,
    readonly accountId: string,
    private readonly dir: string,
    speechEngine: Awaited<ReturnType<typeof loadSpeechEngine>>,
    capture: boolean,
  ) {
    this.logger = capture
      ? pino({ level: "debug" }, { write: (text: string) => this.logs.push(JSON.parse(text) as LogLine) })
      : pino({ level: "silent" });
    this.withSpeech = createAudioService({ store, blobs, speech: speechEngine, logger: this.logger });
    this.silent = createAudioService({ store, blobs, speech: undefined, logger: this.logger });
  }

  /** `logs: "capture"` keeps every log line in `logs`; otherwise the logger is silent. */
  static async open(options: { logs?: "silent" | "capture" } = {}): Promise<EngineHarness> {
    const speech = await loadSpeechEngine();
    assert.ok(speech, "the engine tests need the optional espeak-ng package installed");
    // Workaround: src/media/tts-espeak.ts leaves its worker referenced until its first synthesis
    // settles, so a process that loads eSpeak NG and never speaks does not exit. One synthesis
    // here lets every test file exit, whether or not its calls speak (reported to the lead).
    await speech.synthesize("ready");
    const dir = await mkdtemp(join(tmpdir(), "belay-engine-"));
    const store = await openSqliteStore(":memory:");
    const accountId = newId("AC");
    await store.accounts.create({ accountId, apiKey: "key", signingSecret: "secret", alias: null });
    return new EngineHarness(
      store,
      new LocalBlobStore(join(dir, "blobs")),
      accountId,
      dir,
      speech,
      options.logs === "capture",
    );
  }

  async close(): Promise<void> {
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Places one inbound call from a VirtualLeg and runs it to the end on its clock (simulated by default). */
  /**
   * An engine on the harness's store and blobs, for tests that start their own calls: no speech
   * engine (Say is silence), logging to `logger` (silent unless given).
   */
  engine(
    clock: Clock,
    app: AppClient<PerclCommand[]>,
    options: { logger?: Logger; dialer?: Dialer } = {},
  ): Engine {
    const logger = options.logger ?? pino({ level: "silent" });
    const { store, blobs } = this;
    return new Engine({
      store,
      blobs,
      app,
      audio: createAudioService({ store, blobs, speech: undefined, logger }),
      clock,
      logger,
      publicUrl: PUBLIC_URL,
      limits: DEFAULT_LIMITS,
      ...(options.dialer ? { dialer: options.dialer } : {}),
    });
  }

  async runCall<C extends Clock = SimulatedClock>(options: CallOptions<C>): Promise<CallRun<C>> {
    const clock = options.clock ?? (new SimulatedClock(0) as Clock as C);
    const app = new ScriptedApp(options.routes, clock);
    const engine = new Engine({
      store: options.store ?? this.store,
      blobs: options.blobs ?? this.blobs,
      app,
      audio: options.audio ?? (options.speech === false ? this.silent : this.withSpeech),
      clock,
      logger: this.logger,
      publicUrl: PUBLIC_URL,
      limits: options.limits ?? DEFAULT_LIMITS,
    });
    const leg = new VirtualLeg(clock, options.caller ?? {});
    const callId = newId("CA");
    const statusPath = options.statusPath === undefined ? "/status" : options.statusPath;
    const timeline: TimelineEvent[] = [];
    const { done } = engine.start(
      {
        accountId: this.accountId,
        callId,
        from: FROM,
        to: TO,
        direction: "inbound",
        parentCallId: null,
        applicationId: null,
        phoneNumberId: null,
        firstUrl: appUrl("/voice"),
        fallbackUrl: options.fallbackPath ? appUrl(options.fallbackPath) : null,
        statusCallbackUrl: statusPath === null ? null : appUrl(statusPath),
        leg,
      },
      { clock, onCreated: (call) => call.onTimeline((event) => timeline.push(event)) },
    );
    const outcome = await done;
    const row = await this.store.calls.get(this.accountId, callId);
    assert.ok(row, "the call has a row in the store");
    return { outcome, timeline, requests: app.requests, leg, clock, callId, row };
  }

  /** A recording's row and file, with the file's audio decoded. */
  async recording(recordingId: string): Promise<StoredRecording> {
    const row = await this.store.recordings.get(this.accountId, recordingId);
    assert.ok(row, `recording ${recordingId} has a row`);
    const bytes = await readAll(await this.blobs.read(row.blobKey));
    return { row, bytes, pcm: readWav(bytes).pcm8k };
  }
}

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bodies the app received for one requestType, in order. */
export function bodiesOf(run: CallRun, requestType: string): WebhookBody[] {
  return run.requests.filter((r) => r.body.requestType === requestType).map((r) => r.body);
}

/** The only request of one requestType; fails the test unless there is exactly one. */
export function onlyRequest(run: CallRun, requestType: string): AppRequest {
  const found = run.requests.filter((r) => r.body.requestType === requestType);
  assert.equal(found.length, 1, `exactly one ${requestType} webhook`);
  return found[0] as AppRequest;
}

/** The request for the `callStatus` notification; fails the test unless it came last. */
export function callStatusOf(run: CallRun): AppRequest {
  const last = run.requests.at(-1);
  assert.ok(last, "the app received requests");
  assert.equal(last.body.requestType, "callStatus", "callStatus is the last webhook");
  assert.equal(last.kind, "notify");
  return last;
}

/**
 * Checks how the call ended everywhere it shows: the outcome, the callStatus webhook, the call's
 * row in the store and the timeline's last event.
 */
export function assertEnded(run: CallRun, reason: string, status: string): void {
  assert.equal(run.outcome.reason, reason, run.outcome.message);
  assert.equal(run.outcome.status, status);
  const { body, url } = callStatusOf(run);
  assert.equal(url, appUrl("/status"));
  assert.equal(body.callEndedReason, reason);
  assert.equal(body.callStatus, status);
  assert.equal(body.callId, run.callId);
  const ended = run.timeline.at(-1);
  assert.ok(ended?.type === "ended", "the timeline ends with the call");
  assert.equal(run.row.status, status);
  assert.equal(run.row.callEndedReason, reason);
  // The call's clock started at 0, so the timeline's times are clock times.
  assert.equal(run.row.endTime, ended.at);
  assert.equal(run.clock.pendingTimers(), 0, "the call left no timer behind");
}

export function eventsOf<T extends TimelineEvent["type"]>(
  run: CallRun,
  type: T,
): Extract<TimelineEvent, { type: T }>[] {
  return run.timeline.filter((e): e is Extract<TimelineEvent, { type: T }> => e.type === type);
}

/** Sample index of a time in the caller's audio. */
export function sampleAt(ms: number): number {
  return Math.round((ms * SAMPLE_RATE) / 1000);
}

/**
 * Caller audio the VAD keeps calling speech: 400 ms bursts of loud noise (-20 dBFS) with 100 ms
 * gaps (shorter than the detector's hangover) over a faint floor, so every sample is distinct and
 * a recording can be matched against it sample by sample.
 */
export function talking(ms: number, seed = 7): Int16Array {
  const length = sampleAt(ms);
  const floor = whiteNoise(length, -70, seed);
  const loud = whiteNoise(length, -20, seed + 1);
  const out = new Float64Array(length);
  const burst = sampleAt(400);
  const period = sampleAt(500);
  for (let i = 0; i < length; i++)
    out[i] = (floor[i] as number) + (i % period < burst ? (loud[i] as number) : 0);
  return toInt16(out);
}

/** Faint line noise (-70 dBFS): never speech, yet no two stretches alike. */
export function hiss(ms: number, seed = 3): Int16Array {
  return toInt16(whiteNoise(sampleAt(ms), -70, seed));
}

/** `parts` one after the other. */
export function joined(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** What the caller sends during [0, ms) after answer: its audio at `audioAtMs`, silence elsewhere. */
export function callerStream(caller: CallerScript, ms: number): Int16Array {
  const out = new Int16Array(sampleAt(ms));
  const offset = sampleAt(caller.audioAtMs ?? 0);
  if (caller.audio && offset < out.length) out.set(caller.audio.subarray(0, out.length - offset), offset);
  return out;
}

/** Per frame: whether it resets a recording's silence timer (speech, and not the detector's hangover). */
export function voicedPerFrame(pcm: Int16Array): boolean[] {
  return detectorPerFrame(pcm, (vad, speech) => speech && vad.lastFrameSpeechLike);
}

/** A fresh detector's verdict on each 20 ms frame of `pcm`: the oracle for speech timing. */
export function speechPerFrame(pcm: Int16Array): boolean[] {
  return detectorPerFrame(pcm, (_vad, speech) => speech);
}

function detectorPerFrame(
  pcm: Int16Array,
  verdict: (vad: VoiceActivityDetector, speech: boolean) => boolean,
): boolean[] {
  const vad = new VoiceActivityDetector();
  const verdicts: boolean[] = [];
  for (let at = 0; at + FRAME_SAMPLES <= pcm.length; at += FRAME_SAMPLES)
    verdicts.push(verdict(vad, vad.push(pcm.subarray(at, at + FRAME_SAMPLES))));
  return verdicts;
}
