import type { Logger } from "pino";
import { DEFAULTS } from "../contract/defaults.js";
import { newId } from "../contract/ids.js";
import type { PerclCommand } from "../contract/percl/index.js";
import type { CallEndedReason, CallFields, WebhookExtra, WebhookOf } from "../contract/webhooks.js";
import { BelayError, isDiskFullError, onceMoreIfDiskFull } from "../errors.js";
import type { CallRow, CallStatus } from "../store/types.js";
import type { Clock } from "../time/clock.js";
import { CallRecording } from "./call-recording.js";
import { describeCommand, executeCommand } from "./commands/index.js";
import type { ConferenceRegistry } from "./conference/registry.js";
import type {
  CallFacts,
  CallWebhookType,
  ChildCallRequest,
  CommandContext,
  CommandResult,
  DistributiveOmit,
  EarlyMediaOutcome,
  ExtraArgs,
  Membership,
} from "./context.js";
import { dialWithTimeout } from "./dial.js";
import { dialDigitsSteps } from "./dial-digits.js";
import type { EngineDeps } from "./engine.js";
import type { Hold } from "./hold.js";
import { type FrameSource, isOutboundLeg, type Leg } from "./leg.js";
import { detectMachine } from "./machine-detection.js";
import { MediaBus } from "./media-bus.js";
import type { Dialer, PerclOutcome, WebhookBody } from "./ports.js";
import type { QueueRegistry } from "./queue/registry.js";
import { Recorder, recordingFields, recordingUrl } from "./recorder.js";
import { openingSay, SpeechPrefetch } from "./speech-prefetch.js";
import type { TimelineEvent, TimelineListener } from "./timeline.js";

/**
 * Why a call's work is aborted. One for every call: abort() without a reason makes a DOMException
 * with a stack trace each time (about 20 µs), and nothing reads the reason.
 */
const CALL_ENDED = new DOMException("the call ended", "AbortError");

export interface CallSpec extends CallFacts {
  applicationId: string | null;
  phoneNumberId: string | null;
  /**
   * Where the first PerCL comes from (voiceUrl for inbound, callConnectUrl for outbound), or why
   * there is none: the call then ends at once with that reason, as FreeClimb's configuration
   * errors do (a number without an application, an application without a voiceUrl).
   */
  firstUrl: string | { missing: "configErrorNoApplication" | "configErrorNoVoiceUrl"; message: string };
  fallbackUrl: string | null;
  statusCallbackUrl: string | null;
  leg: Leg;
  /**
   * Present for a call Belay places (direction outboundAPI): the leg is dialled, with a ring
   * timeout on the call's clock, and `sendDigits` (MakeCallRequest syntax) are sent once it answers.
   */
  dial?: { timeoutMs: number; sendDigits?: string; privacyMode?: boolean; machine?: MachineHandling };
  /** The run this call belongs to (a `belay call --scenario`); every call it dials inherits it. */
  run?: CallRun;
}

/** OutDial's ifMachine: what to do when the callee turns out to be a machine (docs/amd.md). */
export interface MachineHandling {
  ifMachine: "redirect" | "hangup";
  /** Where `machineDetected` asks for PerCL (redirect); callConnectUrl when absent. */
  ifMachineUrl: string | null;
}

/**
 * What the calls of one run share: a scenario's virtual devices and someone following every call
 * of it. A call's OutDials use `dialer` before the engine's, and go to the same run.
 */
export interface CallRun {
  /** Where this run's OutDials find their legs (it may fall back to the engine's own dialer). */
  dialer?: Dialer;
  /**
   * Sees each call of the run as the engine starts it, before the call's first timeline event (a
   * call emits nothing until its row is stored), with the promise of its end.
   */
  onCall?(call: Call, done: Promise<CallOutcome>): void;
}

/** What a call needs of the engine that runs it: conferences, queues, and starting the calls it dials. */
export interface CallHost {
  readonly conferences: ConferenceRegistry;
  readonly queues: QueueRegistry;
  readonly dialer: Dialer | undefined;
  start(spec: CallSpec, clock: Clock): { call: Call; done: Promise<CallOutcome> };
}

export interface CallOutcome {
  callId: string;
  status: CallStatus;
  reason: CallEndedReason;
  message?: string;
}

/** Statuses a call can end in, chosen by whether it was ever answered. */
function finalStatus(answered: boolean, reason: CallEndedReason): CallStatus {
  if (answered) return "completed";
  if (reason === "farEndHangup" || reason === "callCanceled") return "canceled";
  if (reason === "busy" || reason === "noAnswer") return reason;
  if (reason === "appReject" || reason === "appHangup") return "completed";
  return "failed";
}

/**
 * One call: its state machine, its PerCL runner and its leg. `run()` drives it to the end and
 * never throws; every way a call can end becomes a callEndedReason.
 */
export class Call {
  readonly facts: CallFacts;
  private readonly abort = new AbortController();
  private readonly media: MediaBus;
  private readonly listeners: TimelineListener[] = [];
  private readonly log: Logger;
  private readonly startedAt: number;
  private current: CallStatus = "queued";
  private answered = false;
  private hungUpByFarEnd = false;
  private redirects = 0;
  /** An outbound call's outDialApiConnect went out (as a PerCL request, or a notification at the end). */
  private connectSent = false;
  private created!: { resolve: (row: CallRow) => void; reject: (err: unknown) => void };
  /** The call's row as first stored (status queued): what POST /Calls answers with. */
  readonly stored: Promise<CallRow>;
  private ending: { reason: CallEndedReason; message?: string } | undefined;
  private readonly speech: SpeechPrefetch;
  /** The conference the call is in right now (AddToConference). */
  private membership: Membership | undefined;
  /** The queue the call waits in, or its Park (Enqueue, Park). */
  private holding: Hold | undefined;
  /** Commands the call's scripts started: PlayEarlyMedia may only be the first. */
  private commandsStarted = 0;
  /** StartRecordCall's recording, until the call ends. */
  private callRecording: CallRecording | undefined;

  constructor(
    private readonly deps: EngineDeps,
    private readonly spec: CallSpec,
    private readonly host: CallHost,
  ) {
    this.facts = {
      accountId: spec.accountId,
      callId: spec.callId,
      from: spec.from,
      to: spec.to,
      direction: spec.direction,
      parentCallId: spec.parentCallId,
    };
    this.log = deps.logger.child({ callId: spec.callId });
    this.media = new MediaBus(deps.clock, (digit, pressedAt) =>
      this.emit({ type: "digit", digit }, pressedAt),
    );
    this.speech = new SpeechPrefetch((text, language) => deps.audio.speak(text, language));
    this.startedAt = deps.clock.now();
    this.stored = new Promise<CallRow>((resolve, reject) => {
      this.created = { resolve, reject };
    });
    // Whoever never asks for the row must not see an unhandled rejection.
    this.stored.catch(() => undefined);
  }

  get id(): string {
    return this.facts.callId;
  }

  /** The status webhooks report right now. */
  get status(): CallStatus {
    return this.current;
  }

  onTimeline(listener: TimelineListener): void {
    this.listeners.push(listener);
  }

  /** Ends the call from Belay's side (REST hang-up, shutdown, max duration). */
  hangup(reason: CallEndedReason): void {
    this.finishWith(reason);
  }

  /** REST (status inProgress): resumes a parked call, whose Park goes on with actionUrl. False if not parked. */
  unpark(): boolean {
    const hold = this.holding;
    return hold?.kind === "park" && hold.release("api");
  }

  /** An OutDial's parent ended while this call still rang: it stops ringing (callCanceled). */
  cancelIfUnanswered(): void {
    if (!this.answered) this.finishWith("callCanceled");
  }

  async run(): Promise<CallOutcome> {
    const { clock, store } = this.deps;
    // An inbound call is already ringing when Belay hears of it: storing it so saves an update.
    // Only a call Belay places waits in the queue first.
    if (!this.spec.dial) this.current = "ringing";
    const creating = clock.track(
      store.calls.create({
        callId: this.facts.callId,
        accountId: this.facts.accountId,
        parentCallId: this.facts.parentCallId,
        applicationId: this.spec.applicationId,
        phoneNumberId: this.spec.phoneNumberId,
        from: this.facts.from,
        to: this.facts.to,
        direction: this.facts.direction,
        status: this.current,
        callEndedReason: null,
        startTime: this.startedAt,
        connectTime: null,
        endTime: null,
      }),
    );
    // Started in the same turn as the call's row, so the two share a commit: a call stored as
    // live has what start-up needs to end it after a crash. Without it the call still runs (start-
    // up then finds it by its status, and its application's status URL).
    const noted = clock
      .track(
        store.live.addCall({
          callId: this.facts.callId,
          accountId: this.facts.accountId,
          statusCallbackUrl: this.spec.statusCallbackUrl,
          connectUrl: this.spec.dial && typeof this.spec.firstUrl === "string" ? this.spec.firstUrl : null,
        }),
      )
      .catch((err: unknown) => this.log.warn({ err }, "could not note the call as live"));
    creating.then(this.created.resolve, this.created.reject);
    await creating;
    await noted;
    this.emit({
      type: "started",
      callId: this.id,
      from: this.facts.from,
      to: this.facts.to,
      direction: this.facts.direction,
    });
    this.spec.leg.listen({
      frame: (frame, dueAt) => this.media.deliverFrame(frame, dueAt),
      digit: (digit) => this.media.deliverDigit(digit),
      hangup: () => {
        this.hungUpByFarEnd = true;
        this.finishWith("farEndHangup");
      },
    });
    const maxDuration = clock.setTimeout(
      () => this.finishWith("maxDuration"),
      this.deps.limits.maxCallDurationMs,
    );
    try {
      if (this.spec.dial) await this.runOutbound(this.spec.dial);
      else await this.runInbound();
    } catch (err) {
      this.log.error({ err }, "call failed inside Belay");
      this.finishWith("internalError", err instanceof Error ? err.message : String(err));
    } finally {
      maxDuration.cancel();
    }
    return this.end();
  }

  private async runInbound(): Promise<void> {
    this.emit({ type: "status", status: "ringing" });
    const { firstUrl } = this.spec;
    if (typeof firstUrl !== "string") {
      this.log.warn({ to: this.facts.to, reason: firstUrl.missing }, firstUrl.message);
      this.finishWith(firstUrl.missing, firstUrl.message);
    } else {
      const firstType = this.facts.direction === "inbound" ? "inboundCall" : "outDialApiConnect";
      const first = await this.requestPercl(firstUrl, this.webhookBody(firstType), this.spec.fallbackUrl);
      if (!first.ok) this.finishWith(first.reason, first.message);
      else await this.runScripts(first.script);
    }
  }

  /**
   * queued → (ringing) → answered: inProgress, sendDigits, then outDialApiConnect asks for PerCL.
   * Not answered: busy, noAnswer, failed or canceled; end() then sends outDialApiConnect as a
   * notification of that status (docs/contract.md §4: PerCL is expected only when connected).
   */
  private async runOutbound(dial: NonNullable<CallSpec["dial"]>): Promise<void> {
    const { firstUrl, leg } = this.spec;
    if (typeof firstUrl !== "string") {
      this.log.warn({ to: this.facts.to, reason: firstUrl.missing }, firstUrl.message);
      return this.finishWith(firstUrl.missing, firstUrl.message);
    }
    if (!isOutboundLeg(leg)) {
      throw new BelayError("ENGINE_LEG_NOT_DIALLABLE", `a ${leg.kind} leg cannot place calls`, {
        kind: leg.kind,
      });
    }
    let ringing: Promise<void> | undefined;
    const outcome = await dialWithTimeout(leg, {
      from: this.facts.from,
      to: this.facts.to,
      clock: this.deps.clock,
      timeoutMs: dial.timeoutMs,
      signal: this.abort.signal,
      onRinging: () => {
        ringing ??= this.setStatus("ringing");
      },
    });
    await ringing;
    // canceled: whoever aborted (REST cancel, shutdown, maxDuration) already chose the reason.
    if (outcome.result === "canceled") return;
    if (outcome.result !== "answered") {
      if (outcome.result === "failed")
        this.log.warn({ to: this.facts.to }, outcome.message ?? "the call failed");
      else this.log.info({ to: this.facts.to, result: outcome.result }, outcome.message ?? outcome.result);
      return this.finishWith(outcome.result, outcome.result === "failed" ? outcome.message : undefined);
    }
    // The dial connected the audio path: the call is answered without leg.answer().
    this.answered = true;
    await this.setStatus("inProgress", { connectTime: this.deps.clock.now() });
    if (dial.sendDigits) await this.sendDialDigits(dial.sendDigits, dial.privacyMode === true);
    if (this.ending) return;
    if (dial.machine && (await this.answeredByMachine(dial.machine, firstUrl))) return;
    this.connectSent = true;
    const first = await this.requestPercl(
      firstUrl,
      this.webhookBody(this.connectType()),
      this.spec.fallbackUrl,
    );
    if (!first.ok) this.finishWith(first.reason, first.message);
    else await this.runScripts(first.script);
  }

  /**
   * ifMachine: listens to the callee (after sendDigits, so it judges whoever the digits reached).
   * A human, or no verdict by the detector's deadline, goes on to outDialConnect as usual; a
   * machine is hung up on (machineDetected) or handed to ifMachineUrl, and callConnectUrl is not
   * asked. True when the call was handled here.
   */
  private async answeredByMachine(machine: MachineHandling, connectUrl: string): Promise<boolean> {
    const verdict = await detectMachine(this.media, this.abort.signal);
    if (!verdict || this.ending) return true;
    this.emit({
      type: "machineDetection",
      verdict: verdict.kind,
      machineType: verdict.kind === "machine" ? verdict.machineType : null,
      reason: verdict.reason,
    });
    if (verdict.kind !== "machine") return false;
    this.connectSent = true;
    if (machine.ifMachine === "hangup") {
      this.finishWith("machineDetected");
      return true;
    }
    const body = this.webhookBody("machineDetected", { machineType: verdict.machineType });
    const first = await this.requestPercl(machine.ifMachineUrl ?? connectUrl, body);
    if (!first.ok) this.finishWith(first.reason, first.message);
    else await this.runScripts(first.script);
    return true;
  }

  /** A REST call hears outDialApiConnect; an OutDial's new leg, outDialConnect. */
  private connectType(): "outDialApiConnect" | "outDialConnect" {
    return this.facts.direction === "outboundDial" ? "outDialConnect" : "outDialApiConnect";
  }

  /**
   * OutDial: a new call to `to` on this call's clock, with this call as its parent. Resolves with
   * its id once its row exists; it rings and connects on its own. If this call ends while the new
   * one still rings, that one is canceled.
   */
  private async dialOut(request: ChildCallRequest): Promise<string> {
    const callId = newId("CA");
    const { clock } = this.deps;
    const dialer = this.spec.run?.dialer ?? this.host.dialer;
    if (!dialer) throw new BelayError("ENGINE_NO_DIALER", "this Belay has no way to place calls");
    const leg = await clock.track(
      dialer.outboundLeg({
        accountId: this.facts.accountId,
        callId,
        from: request.from,
        to: request.to,
        clock,
      }),
    );
    const { call, done } = this.host.start(
      {
        accountId: this.facts.accountId,
        callId,
        from: request.from,
        to: request.to,
        direction: "outboundDial",
        parentCallId: this.id,
        applicationId: this.spec.applicationId,
        phoneNumberId: null,
        firstUrl: request.callConnectUrl,
        fallbackUrl: null,
        statusCallbackUrl: request.statusCallbackUrl,
        leg,
        dial: {
          timeoutMs: request.timeoutMs,
          ...(request.sendDigits ? { sendDigits: request.sendDigits } : {}),
          ...(request.privacyMode ? { privacyMode: true } : {}),
          ...(request.machine ? { machine: request.machine } : {}),
        },
        ...(this.spec.run ? { run: this.spec.run } : {}),
      },
      clock,
    );
    done.catch((err: unknown) => this.log.error({ err, childCallId: callId }, "the dialled call failed"));
    const cancel = () => call.cancelIfUnanswered();
    if (this.abort.signal.aborted) cancel();
    else this.abort.signal.addEventListener("abort", cancel, { once: true });
    await call.stored;
    return callId;
  }

  private async sendDialDigits(text: string, privacyMode: boolean): Promise<void> {
    this.emit({ type: "sentDigits", digits: privacyMode ? null : text });
    for (const step of dialDigitsSteps(text)) {
      if (this.ending) return;
      if ("waitMs" in step) await this.deps.clock.sleep(step.waitMs, this.abort.signal);
      else await this.spec.leg.sendDigits(step.digits, step.pauseMs, this.abort.signal);
    }
  }

  private async runScripts(initial: PerclCommand[]): Promise<void> {
    let script = initial;
    const ctx = this.context();
    for (;;) {
      if (this.ending) return;
      if (script.length === 0) return this.finishWith("appNoPercl", "the app returned an empty PerCL script");
      await this.prepareAudio(script);
      // Running out is the normal way a script ends (docs/contract.md §3), not an error.
      let next: CommandResult = { kind: "end", reason: "appHangup" };
      for (const [index, command] of script.entries()) {
        if (this.ending) return;
        const detail = describeCommand(command);
        this.emit({ type: "command", index, name: command.name, ...(detail ? { detail } : {}) });
        this.commandsStarted++;
        const result = await executeCommand(command, ctx);
        if (result.kind === "next") continue;
        next = result;
        break;
      }
      if (next.kind === "end") return this.finishWith(next.reason, next.message);
      if (next.kind === "script") script = next.script;
    }
  }

  /**
   * Starts synthesising every Say of the script, and waits for the one it opens with: in real time
   * a Say then starts on time instead of after its synthesis (on the simulated clock it never
   * waits). Before the call is answered this is ringing a little longer, as a real platform does;
   * mid-call it adds to the app's response time (docs/virtual-calls.md, "Real time and --fast").
   */
  private async prepareAudio(script: readonly PerclCommand[]): Promise<void> {
    this.speech.prepare(script);
    const opening = openingSay(script);
    if (opening) await this.deps.clock.track(this.speech.settled(opening));
  }

  private async requestPercl(
    url: string,
    body: WebhookBody,
    fallbackUrl: string | null = null,
    privateFields?: readonly string[],
  ): Promise<PerclOutcome<PerclCommand[]>> {
    if (body.requestType === "redirect" && ++this.redirects > DEFAULTS.maxRedirects) {
      const message = `more than ${DEFAULTS.maxRedirects} redirects in one call`;
      return { ok: false, reason: "maxRedirectsError", message, status: null, latencyMs: 0, url };
    }
    const outcome = await this.deps.clock.track(
      this.deps.app.requestPercl(
        {
          accountId: this.facts.accountId,
          callId: this.id,
          url,
          body,
          ...(privateFields?.length ? { privateFields } : {}),
        },
        { fallbackUrl },
      ),
    );
    this.emit({
      type: "webhook",
      requestType: body.requestType,
      url: outcome.url,
      ok: outcome.ok,
      status: outcome.status,
      latencyMs: outcome.latencyMs,
      ...(outcome.ok ? {} : { error: outcome.message }),
    });
    if (!outcome.ok) this.log.warn({ url: outcome.url, reason: outcome.reason }, outcome.message);
    return outcome;
  }

  private context(): CommandContext {
    const { deps } = this;
    return {
      facts: this.facts,
      clock: deps.clock,
      log: this.log,
      signal: this.abort.signal,
      media: this.media,
      recorder: new Recorder(deps, this.facts.accountId, this.id),
      status: () => this.current,
      farEndHungUp: () => this.hungUpByFarEnd,
      answer: () => this.answer(),
      play: (pcm, signal) => this.play(pcm, signal ?? this.abort.signal),
      earlyMedia: () => this.earlyMedia(),
      stream: (source, signal) => this.spec.leg.stream(this.heardThrough(source), signal),
      recordCall: (channels) => this.recordCall(channels),
      conferences: this.host.conferences,
      membership: () => this.membership,
      setMembership: (membership) => {
        this.membership = membership;
      },
      queues: this.host.queues,
      hold: () => this.holding,
      setHold: (hold) => {
        this.holding = hold;
      },
      dialOut: (request) => this.dialOut(request),
      sendDigits: async (digits, pauseMs, privacyMode) => {
        this.emit({ type: "sentDigits", digits: privacyMode ? null : digits });
        await this.spec.leg.sendDigits(digits, pauseMs, this.abort.signal);
      },
      speak: (text, language) => deps.clock.track(this.speech.audio(text, language)),
      prepareAudio: (script) => this.prepareAudio(script),
      loadAudio: (url) => deps.clock.track(deps.audio.load(url, this.facts.accountId)),
      recordingUrl: (recordingId) => recordingUrl(deps.publicUrl, this.facts.accountId, recordingId),
      webhookBody: (requestType, ...extra) => this.webhookBody(requestType, ...extra),
      callFields: () => this.callFields(),
      requestPercl: (url, body, privateFields) => this.requestPercl(url, body, null, privateFields),
      notify: (url, body) => this.notify(url, body),
      emit: (event) => this.emit(event),
    };
  }

  /**
   * FreeClimb: PlayEarlyMedia is relevant only as the very first command of the script for an
   * incoming call. A wait script (Enqueue, Park) runs inside a command, so it never counts as first.
   */
  private async earlyMedia(): Promise<EarlyMediaOutcome> {
    if (this.facts.direction !== "inbound" || this.spec.dial)
      return { ok: false, reason: "early media is for inbound calls only" };
    if (this.answered || this.ending) return { ok: false, reason: "the call is already answered" };
    if (this.commandsStarted !== 1 || this.holding)
      return { ok: false, reason: "it is not the first command of the call's first script" };
    if (await this.spec.leg.earlyMedia()) return { ok: true };
    return { ok: false, reason: `the ${this.spec.leg.kind} leg has no early media to give` };
  }

  /** Plays to the party; StartRecordCall's recording hears it from now until it stops. */
  private async play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    const stopped = this.callRecording?.played(pcm, this.deps.clock.now());
    try {
      await this.spec.leg.play(pcm, signal);
    } finally {
      stopped?.(this.deps.clock.now());
    }
  }

  /** A stream's frames, also told to StartRecordCall's recording as the leg takes them. */
  private heardThrough(source: FrameSource): FrameSource {
    return {
      next: (dueBy) => {
        const frame = source.next(dueBy);
        this.callRecording?.streamedFrame(frame, this.deps.clock.now());
        return frame;
      },
    };
  }

  /**
   * StartRecordCall: records the call from now to its end (docs/conferences.md). False when a
   * recording already runs (one per call).
   */
  private async recordCall(channels: 1 | 2): Promise<boolean> {
    if (this.callRecording || this.ending) return false;
    const recorder = new Recorder(this.deps, this.facts.accountId, this.id);
    const sink = await recorder.open({ kind: "call" }, { channels });
    if (this.ending) {
      await sink.abort();
      return false;
    }
    const recording = new CallRecording(sink, channels);
    this.callRecording = recording;
    // A frame's due time, not when it arrived: RTP hands frames up early (src/legs/sip/rtp).
    this.media.tap((frame, dueAt) => recording.said(frame, dueAt));
    this.emit({ type: "recordingStarted", recordingId: recording.recordingId });
    return true;
  }

  /** The call's recording made durable and stored: the fields its callStatus carries. */
  private async finishCallRecording(): Promise<Partial<WebhookExtra<"callStatus">>> {
    const recording = this.callRecording;
    if (!recording) return {};
    this.callRecording = undefined;
    try {
      return recordingFields(await recording.finish(), this.deps.publicUrl);
    } catch (err) {
      this.log.error({ err }, "the call's recording (StartRecordCall) could not be stored");
      this.emit({ type: "error", message: `the call's recording could not be stored: ${String(err)}` });
      return {};
    }
  }

  private callFields(): CallFields {
    return {
      accountId: this.facts.accountId,
      callId: this.id,
      from: this.facts.from,
      to: this.facts.to,
      callStatus: this.current,
      direction: this.facts.direction,
      conferenceId: this.membership?.conference.id ?? null,
      queueId: this.holding?.queueId ?? null,
      parentCallId: this.facts.parentCallId,
    };
  }

  /**
   * The call fields and what this webhook adds. The cast is where the call's facts meet a
   * schema's narrower types (outDialConnect's direction is always outboundDial on such a call);
   * the bodies are checked against the contract's schemas and FreeClimb's OpenAPI in tests.
   */
  private webhookBody<T extends CallWebhookType>(requestType: T, ...[extra]: ExtraArgs<T>): WebhookOf<T> {
    return { ...this.callFields(), requestType, ...extra } as WebhookOf<T>;
  }

  private async notify(url: string, body: WebhookBody): Promise<void> {
    await this.deps.clock.track(
      this.deps.app.notify({ accountId: this.facts.accountId, callId: this.id, url, body }),
    );
    this.emit({ type: "notification", requestType: body.requestType, url });
  }

  private async answer(): Promise<void> {
    if (this.answered || this.ending) return;
    this.answered = true;
    // Not tracked: connecting takes time on the call's clock (a virtual caller's answer delay),
    // and tracking would hold simulated time still while the leg waits for it.
    await this.spec.leg.answer();
    await this.setStatus("inProgress", { connectTime: this.deps.clock.now() });
  }

  private async setStatus(status: CallStatus, extra: { connectTime?: number } = {}): Promise<void> {
    this.current = status;
    this.emit({ type: "status", status });
    await this.deps.clock.track(
      this.deps.store.calls.update(this.facts.accountId, this.id, { status, ...extra }),
    );
  }

  /** The first reason wins; later ones (e.g. the leg's hang-up echo) are ignored. */
  private finishWith(reason: CallEndedReason, message?: string): void {
    if (this.ending) return;
    this.ending = message === undefined ? { reason } : { reason, message };
    if (message) this.emit({ type: "error", message });
    this.abort.abort(CALL_ENDED);
  }

  private async end(): Promise<CallOutcome> {
    const { reason, message } = this.ending ?? { reason: "internalError" as CallEndedReason };
    this.media.releaseBufferedDigits();
    if (!this.hungUpByFarEnd) this.spec.leg.hangup();
    const recorded = await this.finishCallRecording();
    const status = finalStatus(this.answered, reason);
    this.current = status;
    const endTime = this.deps.clock.now();
    await this.storeEnd({ status, endTime, callEndedReason: reason });
    const { firstUrl, statusCallbackUrl } = this.spec;
    if (this.spec.dial && !this.connectSent && typeof firstUrl === "string") {
      this.connectSent = true;
      await this.notifyQuietly(firstUrl, this.webhookBody(this.connectType()));
    }
    if (statusCallbackUrl) {
      await this.notifyQuietly(
        statusCallbackUrl,
        this.webhookBody("callStatus", { callEndedReason: reason, ...recorded }),
      );
    }
    await this.forgetLive();
    this.log.info({ status, reason, durationMs: endTime - this.startedAt }, message ?? "call ended");
    this.emit({ type: "ended", status, reason });
    return message === undefined
      ? { callId: this.id, status, reason }
      : { callId: this.id, status, reason, message };
  }

  /**
   * Stores how the call ended. A full disk gets a second try (the store frees its reserve on the
   * first failure); if the row still cannot be written the failure is logged and the callStatus
   * webhook goes out all the same, so the app hears how its call ended.
   */
  private async storeEnd(end: { status: CallStatus; endTime: number; callEndedReason: CallEndedReason }) {
    try {
      await onceMoreIfDiskFull(() =>
        this.deps.clock.track(this.deps.store.calls.update(this.facts.accountId, this.id, end)),
      );
    } catch (err) {
      if (!isDiskFullError(err)) throw err;
      this.log.error({ err }, "the disk is full: the call's end could not be stored");
    }
  }

  /** The call has ended and its notifications are stored: start-up has nothing left to finish. */
  private async forgetLive(): Promise<void> {
    try {
      await this.deps.clock.track(this.deps.store.live.removeCall(this.id));
    } catch (err) {
      // Harmless: start-up finds the call ended with its callStatus stored, and drops the row.
      this.log.warn({ err }, "could not clear the call's live marker");
    }
  }

  /** A notification at the end of the call: a failure to queue it is logged, never thrown. */
  private async notifyQuietly(url: string, body: WebhookBody): Promise<void> {
    try {
      await this.notify(url, body);
    } catch (err) {
      const what = `${body.requestType} webhook could not be queued`;
      this.log.error({ err, url }, what);
      this.emit({ type: "error", message: `${what}: ${String(err)}` });
    }
  }

  /** `when` defaults to now; a key reported after it was pressed carries its own time. */
  private emit(event: DistributiveOmit<TimelineEvent, "at">, when = this.deps.clock.now()): void {
    const full = { ...event, at: Math.round(when - this.startedAt) } as TimelineEvent;
    for (const listener of this.listeners) listener(full);
  }
}
