import type { Logger } from "pino";
import type { FrameSource, Leg, LegListener } from "../../engine/leg.js";
import type { Clock } from "../../time/clock.js";
import { type DigestSession, isChallenge } from "./auth/digest-session.js";
import type { Dialog, LocalIdentity } from "./dialog.js";
import type { DialogJournal, DialogOwner } from "./dialog-journal.js";
import type { SipRequest, SipResponse } from "./message/types.js";
import type { LocalMedia, SdpNegotiator } from "./negotiator.js";
import { ACCEPT, cseqOf, responseFor } from "./responses.js";
import type { RtpMedia, RtpStats } from "./rtp/types.js";
import type { MediaPlan } from "./sdp/types.js";
import type { InviteServerTransaction, ServerTransaction } from "./server-transaction.js";
import type { SipTimers } from "./timers.js";
import { type DialogUser, methodNotAllowed, optionsResponse, type UserAgent } from "./user-agent.js";

export interface SipCallDeps {
  agent: UserAgent;
  clock: Clock;
  timers: SipTimers;
  /** Already carries the call's ids (callId, sipCallId). */
  logger: Logger;
  negotiator: SdpNegotiator;
  media: RtpMedia;
  /** The address Belay advertises in SDP. */
  mediaAddress: string;
  identity: LocalIdentity;
  /** Runs once when the call is over: frees its slot under --max-calls. */
  onEnded(call: SipCall): void;
  /** Closes `media` once the call is over (shutdown waits for it). */
  closeMedia(): Promise<RtpStats>;
  /** Sees each BYE Belay sends until it is answered, so shutdown can wait for them. */
  trackBye?(bye: Promise<void>): void;
  /** Keeps the confirmed dialog in the store, for a BYE after a crash; none: not kept. */
  journal?: DialogJournal;
  /** Belay's call (and account) the dialog is written with. */
  owner: DialogOwner;
}

export const SDP = "application/sdp";

/**
 * What inbound and outbound SIP calls share once a dialog exists: media through RtpMedia, BYE
 * either way, re-INVITE (hold, resume, a new address), OPTIONS, and the end-of-call log line.
 */
export abstract class SipCall implements Leg, DialogUser {
  readonly kind = "sip";
  protected listener: LegListener | undefined;
  protected dialog: Dialog | undefined;
  /** Nothing more will happen: media closed, dialog forgotten, slot freed. */
  protected over = false;
  /** The far end has gone and its last audio is being handed up: the call ends once it has. */
  private leaving = false;
  private mediaStarted = false;
  /** Re-INVITEs answered 2xx, by CSeq, until their ACK. */
  private readonly reinvites = new Map<number, InviteServerTransaction>();

  constructor(protected readonly deps: SipCallDeps) {}

  listen(listener: LegListener): void {
    this.listener = listener;
  }

  abstract answer(): Promise<void>;
  abstract earlyMedia(): Promise<boolean>;
  abstract hangup(): void;

  async play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    if (this.over || !this.mediaStarted || signal.aborted) return;
    await this.deps.media.play(pcm, signal);
  }

  /** Resolves at once when there is no audio path (not answered yet, or the call is over). */
  async stream(source: FrameSource, signal: AbortSignal): Promise<void> {
    if (this.over || !this.mediaStarted || signal.aborted) return;
    await this.deps.media.stream(source, signal);
  }

  async sendDigits(digits: string, pauseMs: number, signal: AbortSignal): Promise<void> {
    if (this.over || !this.mediaStarted || signal.aborted) return;
    await this.deps.media.sendDigits(digits, pauseMs, signal);
  }

  protected get localMedia(): LocalMedia {
    return { address: this.deps.mediaAddress, port: this.deps.media.localPort };
  }

  /** Applies a plan (first or re-negotiated) and, the first time, starts frames flowing to the call. */
  protected startMedia(plan: MediaPlan): void {
    this.deps.media.configure(plan);
    if (this.mediaStarted) return;
    this.mediaStarted = true;
    this.deps.media.start({
      frame: (frame, dueAt) => {
        if (!this.over) this.listener?.frame(frame, dueAt);
      },
      digit: (digit) => {
        if (!this.over) this.listener?.digit(digit);
      },
      failed: (err) => {
        if (this.over) return;
        this.deps.logger.error({ err }, "the call's RTP session failed: hanging up");
        this.sendBye();
        this.finish();
        this.listener?.hangup();
      },
    });
  }

  request(request: SipRequest, transaction: ServerTransaction): void {
    if (!this.dialog || this.over) {
      transaction.respond(responseFor(request, 481));
      return;
    }
    if (!this.dialog.acceptRemoteSeq(request)) {
      transaction.respond(responseFor(request, 500, "CSeq Out Of Order"));
      return;
    }
    switch (request.method) {
      case "BYE":
        transaction.respond(responseFor(request, 200));
        this.deps.logger.info("the far end hung up (BYE)");
        this.byeReceived();
        return;
      case "INVITE":
        this.reinvite(request, transaction as InviteServerTransaction);
        return;
      case "OPTIONS":
        transaction.respond(optionsResponse(request));
        return;
      default:
        transaction.respond(methodNotAllowed(request));
    }
  }

  ack(request: SipRequest): void {
    const seq = cseqOf(request)?.seq;
    const reinvite = seq === undefined ? undefined : this.reinvites.get(seq);
    if (reinvite && seq !== undefined) {
      this.reinvites.delete(seq);
      reinvite.acknowledged();
      return;
    }
    this.initialAck(request);
  }

  retransmitted2xx(_response: SipResponse): void {}

  /** The ACK for the 2xx that set the call up (only an inbound call gets one). */
  protected initialAck(_request: SipRequest): void {}

  /** The peer sent BYE: subclasses stop what they were waiting for, then the call ends. */
  protected byeReceived(): void {
    this.farEndGone();
  }

  /** RFC 3264 section 8: a new offer in the dialog (hold is a=sendonly/inactive; resume, a new c= or port). */
  private reinvite(request: SipRequest, transaction: InviteServerTransaction): void {
    const type = contentType(request);
    if (request.body.length > 0 && type !== SDP) {
      transaction.respond(responseFor(request, 415, undefined, { headers: { Accept: ACCEPT } }));
      return;
    }
    if (request.body.length === 0) {
      // Belay does not take an offer in the ACK (RFC 3261 14.2's delayed offer on re-INVITE).
      transaction.respond(responseFor(request, 488, "An SDP Offer Is Required"));
      return;
    }
    const negotiated = this.deps.negotiator.negotiate(request.body);
    if (!negotiated.ok) {
      transaction.respond(
        responseFor(request, 488, undefined, { headers: { Warning: warning(negotiated.reason) } }),
      );
      return;
    }
    this.dialog?.refreshTarget(request);
    this.startMedia(negotiated.plan);
    this.deps.logger.info(
      { direction: negotiated.plan.direction, remote: negotiated.plan.remote },
      "re-INVITE: media re-negotiated",
    );
    const seq = cseqOf(request)?.seq ?? 0;
    this.reinvites.set(seq, transaction);
    transaction.onAckTimeout(() => this.reinvites.delete(seq));
    transaction.respond(
      responseFor(request, 200, undefined, {
        headers: { Contact: this.deps.identity.contact },
        body: { contentType: SDP, bytes: this.deps.negotiator.answer(negotiated.plan, this.localMedia) },
      }),
    );
  }

  /** The dialog is confirmed: written down, so a restart after a crash can still BYE the peer. */
  protected dialogConfirmed(): void {
    if (this.dialog) this.deps.journal?.confirmed(this.dialog, this.deps.owner, this.deps.logger);
  }

  /** The credentials Belay answers challenges in this dialog with; only calls to the trunk have them. */
  protected digest(): DigestSession | undefined {
    return undefined;
  }

  /**
   * Sends BYE in the dialog; its answer (or none) changes nothing: the call is over for Belay. A
   * challenged BYE is sent again once with credentials, when the call has them.
   */
  protected sendBye(): void {
    const dialog = this.dialog;
    if (!dialog) return;
    const attempt = this.digest()?.attempt();
    const answered = new Promise<void>((resolve) => {
      const send = (bye: SipRequest) => {
        attempt?.authorize(bye);
        this.deps.agent.layer.sendRequest(bye, dialog.destination(), {
          response: (r) => {
            if (r.status < 200) return;
            if (attempt && isChallenge(r)) {
              const verdict = attempt.challenged(r);
              if (verdict.retry) {
                this.deps.logger.info(
                  { status: r.status },
                  "the BYE was challenged: sending it again with credentials",
                );
                send(dialog.request("BYE"));
                return;
              }
              this.deps.logger.warn(
                { trunk: attempt.peer, realm: verdict.realm, status: r.status },
                `SIP authentication of the BYE failed: ${verdict.reason}; the call is over anyway`,
              );
              resolve();
              return;
            }
            if (r.status >= 300)
              this.deps.logger.info({ status: r.status }, "the BYE was refused; the call is over anyway");
            resolve();
          },
          timeout: () => {
            this.deps.logger.info("no answer to the BYE; the call is over anyway");
            resolve();
          },
        });
      };
      send(dialog.request("BYE"));
    });
    this.deps.trackBye?.(answered);
  }

  /** The far end ended the call: tell the engine, then clean up. */
  protected farEndGone(): void {
    if (this.over || this.leaving) return;
    if (!this.mediaStarted) {
      this.finish();
      this.listener?.hangup();
      return;
    }
    // Audio still in the jitter buffer was said before the BYE: it reaches the recording first.
    this.leaving = true;
    const gone = () => {
      if (this.over) return;
      this.finish();
      this.listener?.hangup();
    };
    this.deps.media.drain().then(gone, (err: unknown) => {
      this.deps.logger.warn({ err }, "the RTP session could not hand up its last audio");
      gone();
    });
  }

  /** Shutdown, after the engine let go: whatever is still pending on the wire is dropped. */
  abandon(): void {
    this.stopTimers();
    this.finish();
  }

  /** Timers a call direction keeps of its own (not the transactions'). */
  protected stopTimers(): void {}

  /** Ends everything once: media closed with its stats logged, dialog forgotten, slot freed. */
  protected finish(): void {
    if (this.over) return;
    this.over = true;
    for (const transaction of this.reinvites.values()) transaction.terminate();
    this.reinvites.clear();
    if (this.dialog) {
      this.deps.agent.removeDialog(this.dialog);
      this.deps.journal?.ended(this.dialog);
    }
    const { logger } = this.deps;
    this.deps.closeMedia().then(
      (stats) => logger.info({ rtp: stats }, "SIP call ended"),
      (err: unknown) => logger.warn({ err }, "SIP call ended; closing its RTP session failed"),
    );
    this.deps.onEnded(this);
  }
}

export function contentType(message: SipRequest | SipResponse): string | undefined {
  return message.headers.get("Content-Type")?.split(";")[0]?.trim().toLowerCase();
}

/** RFC 3261 20.43: 305 Incompatible media format. */
export function warning(text: string): string {
  return `305 belay "${text.replace(/["\\\r\n]/g, " ")}"`;
}
