import type { Logger } from "pino";
import { DEFAULTS } from "../contract/defaults.js";
import type { PerclCommand } from "../contract/percl/index.js";
import type { CallEndedReason } from "../contract/webhooks.js";
import type { CallStatus } from "../store/types.js";
import { executeCommand } from "./commands/index.js";
import type { CallFacts, CommandContext, CommandResult, DistributiveOmit } from "./context.js";
import { describeCommand } from "./describe-command.js";
import type { EngineDeps } from "./engine.js";
import type { Leg } from "./leg.js";
import { MediaBus } from "./media-bus.js";
import type { PerclOutcome, WebhookBody } from "./ports.js";
import { Recorder, recordingUrl } from "./recorder.js";
import type { TimelineEvent, TimelineListener } from "./timeline.js";

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
  private ending: { reason: CallEndedReason; message?: string } | undefined;

  constructor(
    private readonly deps: EngineDeps,
    private readonly spec: CallSpec,
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
    this.media = new MediaBus(deps.clock);
    this.startedAt = deps.clock.now();
  }

  get id(): string {
    return this.facts.callId;
  }

  onTimeline(listener: TimelineListener): void {
    this.listeners.push(listener);
  }

  /** Ends the call from Belay's side (REST hang-up, shutdown, max duration). */
  hangup(reason: CallEndedReason): void {
    this.finishWith(reason);
  }

  async run(): Promise<CallOutcome> {
    const { clock, store } = this.deps;
    await clock.track(
      store.calls.create({
        callId: this.facts.callId,
        accountId: this.facts.accountId,
        parentCallId: this.facts.parentCallId,
        applicationId: this.spec.applicationId,
        phoneNumberId: this.spec.phoneNumberId,
        from: this.facts.from,
        to: this.facts.to,
        direction: this.facts.direction,
        status: "queued",
        callEndedReason: null,
        startTime: this.startedAt,
        connectTime: null,
        endTime: null,
      }),
    );
    this.emit({
      type: "started",
      callId: this.id,
      from: this.facts.from,
      to: this.facts.to,
      direction: this.facts.direction,
    });
    this.spec.leg.listen({
      frame: (frame) => this.media.deliverFrame(frame),
      digit: (digit) => {
        this.emit({ type: "digit", digit });
        this.media.deliverDigit(digit);
      },
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
      await this.setStatus("ringing");
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
    } catch (err) {
      this.log.error({ err }, "call failed inside Belay");
      this.finishWith("internalError", err instanceof Error ? err.message : String(err));
    } finally {
      maxDuration.cancel();
    }
    return this.end();
  }

  private async runScripts(initial: PerclCommand[]): Promise<void> {
    let script = initial;
    const ctx = this.context();
    for (;;) {
      if (this.ending) return;
      if (script.length === 0) return this.finishWith("appNoPercl", "the app returned an empty PerCL script");
      // Running out is the normal way a script ends (CONTRACT.md section 3), not an error.
      let next: CommandResult = { kind: "end", reason: "appHangup" };
      for (const [index, command] of script.entries()) {
        if (this.ending) return;
        const detail = describeCommand(command);
        this.emit({ type: "command", index, name: command.name, ...(detail ? { detail } : {}) });
        const result = await executeCommand(command, ctx);
        if (result.kind === "next") continue;
        next = result;
        break;
      }
      if (next.kind === "end") return this.finishWith(next.reason, next.message);
      if (next.kind === "script") script = next.script;
    }
  }

  private async requestPercl(
    url: string,
    body: WebhookBody,
    fallbackUrl: string | null = null,
  ): Promise<PerclOutcome<PerclCommand[]>> {
    if (body.requestType === "redirect" && ++this.redirects > DEFAULTS.maxRedirects) {
      const message = `more than ${DEFAULTS.maxRedirects} redirects in one call`;
      return { ok: false, reason: "maxRedirectsError", message, status: null, latencyMs: 0, url };
    }
    const outcome = await this.deps.clock.track(
      this.deps.app.requestPercl(
        { accountId: this.facts.accountId, callId: this.id, url, body },
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
      play: (pcm, signal) => this.spec.leg.play(pcm, signal ?? this.abort.signal),
      sendDigits: async (digits, pauseMs) => {
        this.emit({ type: "sentDigits", digits });
        await this.spec.leg.sendDigits(digits, pauseMs, this.abort.signal);
      },
      speak: (text, language) => deps.clock.track(deps.audio.speak(text, language)),
      loadAudio: (url) => deps.clock.track(deps.audio.load(url, this.facts.accountId)),
      recordingUrl: (recordingId) => recordingUrl(deps.publicUrl, this.facts.accountId, recordingId),
      webhookBody: (requestType, extra) => this.webhookBody(requestType, extra),
      requestPercl: (url, body) => this.requestPercl(url, body),
      notify: (url, body) => this.notify(url, body),
      emit: (event) => this.emit(event),
    };
  }

  private webhookBody(requestType: string, extra: Record<string, unknown> = {}): WebhookBody {
    return {
      requestType,
      accountId: this.facts.accountId,
      callId: this.id,
      from: this.facts.from,
      to: this.facts.to,
      callStatus: this.current,
      direction: this.facts.direction,
      conferenceId: null,
      queueId: null,
      parentCallId: this.facts.parentCallId,
      ...extra,
    };
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
    this.abort.abort();
  }

  private async end(): Promise<CallOutcome> {
    const { reason, message } = this.ending ?? { reason: "internalError" as CallEndedReason };
    if (!this.hungUpByFarEnd) this.spec.leg.hangup();
    const status = finalStatus(this.answered, reason);
    this.current = status;
    const endTime = this.deps.clock.now();
    await this.deps.clock.track(
      this.deps.store.calls.update(this.facts.accountId, this.id, {
        status,
        endTime,
        callEndedReason: reason,
      }),
    );
    if (this.spec.statusCallbackUrl) {
      try {
        await this.notify(
          this.spec.statusCallbackUrl,
          this.webhookBody("callStatus", { callEndedReason: reason }),
        );
      } catch (err) {
        this.log.error({ err, url: this.spec.statusCallbackUrl }, "callStatus webhook could not be queued");
        this.emit({ type: "error", message: `callStatus webhook could not be queued: ${String(err)}` });
      }
    }
    this.log.info({ status, reason, durationMs: endTime - this.startedAt }, message ?? "call ended");
    this.emit({ type: "ended", status, reason });
    return message === undefined
      ? { callId: this.id, status, reason }
      : { callId: this.id, status, reason, message };
  }

  private emit(event: DistributiveOmit<TimelineEvent, "at">): void {
    const full = { ...event, at: Math.round(this.deps.clock.now() - this.startedAt) } as TimelineEvent;
    for (const listener of this.listeners) listener(full);
  }
}
