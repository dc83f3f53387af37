import type { CallEndedReason } from "../../contract/webhooks.js";
import type { Timer } from "../../time/clock.js";
import { Dialog } from "./dialog.js";
import type { SipRequest } from "./message/types.js";
import { responseFor } from "./responses.js";
import type { MediaPlan } from "./sdp/types.js";
import type { InviteServerTransaction } from "./server-transaction.js";
import { contentType, SDP, SipCall, type SipCallDeps } from "./sip-call.js";
import { newTag } from "./tokens.js";
import type { Endpoint } from "./transport.js";

/**
 * How an inbound call Belay never answered is turned down, by the reason the call ended.
 * Reject is a busy signal (486), as FreeClimb's caller hears it; a Hangup before answering
 * declines (603); a number that cannot take calls or a call cancelled by Belay (REST, shutdown)
 * is temporarily unavailable (480); anything that went wrong with the app or inside Belay is 500.
 */
export function declineStatus(reason: CallEndedReason | undefined): number {
  switch (reason) {
    case "appReject":
      return 486;
    case "appHangup":
      return 603;
    case "callCanceled":
    case "configErrorNoApplication":
    case "configErrorNoVoiceUrl":
    case "maxDuration":
    case undefined:
      return 480;
    default:
      return 500;
  }
}

/** How long an unanswered call waits for its end reason before it is turned down with 480. */
const DECLINE_WAIT_MS = 2000;

type InboundState = "ringing" | "answering" | "confirmed" | "declining" | "ended";

/**
 * An inbound SIP call as the engine's Leg. Ringing (180) from the start; answer() sends the 200
 * with the SDP answer and resolves once the caller's ACK arrives (the audio path is then known to
 * work both ways); earlyMedia() before it sends 183 with that same answer and starts RTP while the
 * call rings (docs/early-media.md); hangup() sends BYE once answered, or turns the call down with the status
 * declineStatus gives its end reason. A CANCEL or BYE from the caller is the far end hanging up.
 */
export class SipLeg extends SipCall {
  private state: InboundState = "ringing";
  private readonly localTag = newTag();
  private readonly inviteSeq: number;
  private acked: (() => void) | undefined;
  private byeAfterAck = false;
  private declineTimer: Timer | undefined;
  /** The 183 went out: RTP flows while the call still rings (early media). */
  private early = false;
  /** Belay's SDP answer, built once: the 183 and the 200 carry the same one (RFC 3264: one offer/answer). */
  private sdpAnswer: Buffer | undefined;

  constructor(
    deps: SipCallDeps,
    private readonly invite: SipRequest,
    private readonly transaction: InviteServerTransaction,
    source: Endpoint,
    /** From the INVITE's offer; undefined for a delayed offer (Belay offers in the 200, the ACK answers). */
    private plan: MediaPlan | undefined,
  ) {
    super(deps);
    this.dialog = Dialog.asServer(invite, this.localTag, source, deps.identity);
    this.inviteSeq = Number((invite.headers.get("CSeq") ?? "0").trim().split(/\s+/)[0]);
  }

  /** Registers the dialog and the CANCEL handler, and rings. */
  ring(): void {
    const { agent } = this.deps;
    if (this.dialog) agent.addDialog(this.dialog, this);
    agent.addCancellable(this.transaction, () => this.cancelled());
    this.transaction.respond(responseFor(this.invite, 180, undefined, { toTag: this.localTag }));
  }

  /**
   * Early media: 183 Session Progress with the SDP answer (the dialog's To tag), then RTP. Sent
   * unreliably: Belay does no 100rel/PRACK (RFC 3262). A delayed offer has nothing to answer in a
   * 183, so it gets none.
   */
  earlyMedia(): Promise<boolean> {
    if (this.state !== "ringing") return Promise.resolve(false);
    if (this.early) return Promise.resolve(true);
    if (!this.plan) {
      this.deps.logger.warn(
        "no early media: the INVITE carried no SDP offer (delayed offer), so there is no answer to send in a 183",
      );
      return Promise.resolve(false);
    }
    this.early = true;
    this.startMedia(this.plan);
    this.transaction.respond(
      responseFor(this.invite, 183, undefined, {
        toTag: this.localTag,
        headers: { Contact: this.deps.identity.contact },
        body: { contentType: SDP, bytes: this.answerFor(this.plan) },
      }),
    );
    this.deps.logger.info("early media: 183 Session Progress sent");
    return Promise.resolve(true);
  }

  answer(): Promise<void> {
    if (this.state !== "ringing") return Promise.resolve();
    this.state = "answering";
    this.deps.agent.removeCancellable(this.transaction);
    const acked = new Promise<void>((resolve) => {
      this.acked = resolve;
    });
    this.transaction.onAckTimeout(() => {
      this.deps.logger.warn("no ACK for the 200 OK within 64*T1: hanging up");
      this.sendBye();
      this.farEndGone();
    });
    // Media first: a peer may send RTP as soon as it has the 200, before its ACK.
    // Early media already started it with the same plan.
    if (this.plan && !this.early) this.startMedia(this.plan);
    const sdp = this.plan ? this.answerFor(this.plan) : this.deps.negotiator.offer(this.localMedia);
    // Confirmed for the caller once it has the 200: written now, not at the ACK.
    this.dialogConfirmed();
    this.transaction.respond(
      responseFor(this.invite, 200, undefined, {
        toTag: this.localTag,
        headers: { Contact: this.deps.identity.contact },
        body: { contentType: SDP, bytes: sdp },
      }),
    );
    return acked;
  }

  hangup(): void {
    switch (this.state) {
      case "ringing":
        // The end reason decides the status (see declineStatus): settle() brings it.
        this.state = "declining";
        this.deps.agent.removeCancellable(this.transaction);
        this.declineTimer = this.deps.clock.setTimeout(() => this.decline(undefined), DECLINE_WAIT_MS);
        return;
      case "answering":
        // RFC 3261 15: no BYE before the ACK (or its timeout).
        this.byeAfterAck = true;
        return;
      case "confirmed":
        this.state = "ended";
        this.sendBye();
        this.finish();
        return;
      default:
        return;
    }
  }

  /** The call's end reason, once the engine has it: the status an unanswered call is turned down with. */
  settle(reason: CallEndedReason): void {
    if (this.state === "declining") this.decline(reason);
  }

  protected override initialAck(request: SipRequest): void {
    const seq = Number((request.headers.get("CSeq") ?? "").trim().split(/\s+/)[0]);
    if (seq !== this.inviteSeq || this.state !== "answering") return;
    this.transaction.acknowledged();
    if (!this.plan && !this.answerInAck(request)) return;
    this.state = "confirmed";
    this.acked?.();
    if (this.byeAfterAck) this.hangup();
  }

  protected override byeReceived(): void {
    // A BYE before our 200 was ACKed also ends the 2xx retransmissions.
    this.transaction.terminate();
    this.state = "ended";
    this.acked?.();
    this.farEndGone();
  }

  protected override farEndGone(): void {
    this.state = "ended";
    this.acked?.();
    super.farEndGone();
  }

  /** RFC 3264 with a delayed offer: the ACK carries the answer to the offer in Belay's 200. */
  private answerInAck(ack: SipRequest): boolean {
    const negotiated =
      ack.body.length > 0 && contentType(ack) === SDP
        ? this.deps.negotiator.accept(ack.body)
        : { ok: false as const, reason: "the ACK carried no SDP answer" };
    if (negotiated.ok) {
      this.plan = negotiated.plan;
      this.startMedia(negotiated.plan);
      return true;
    }
    this.deps.logger.warn({ reason: negotiated.reason }, "delayed offer not answered usably: hanging up");
    this.state = "confirmed";
    this.sendBye();
    this.farEndGone();
    return false;
  }

  private answerFor(plan: MediaPlan): Buffer {
    this.sdpAnswer ??= this.deps.negotiator.answer(plan, this.localMedia);
    return this.sdpAnswer;
  }

  protected override stopTimers(): void {
    this.declineTimer?.cancel();
  }

  private cancelled(): void {
    if (this.state !== "ringing") return;
    this.deps.logger.info("the caller cancelled before the answer");
    this.transaction.respond(responseFor(this.invite, 487, undefined, { toTag: this.localTag }));
    this.farEndGone();
  }

  private decline(reason: CallEndedReason | undefined): void {
    if (this.state !== "declining") return;
    this.declineTimer?.cancel();
    this.state = "ended";
    const status = declineStatus(reason);
    this.deps.logger.info({ status, reason }, "inbound call turned down");
    this.transaction.respond(responseFor(this.invite, status, undefined, { toTag: this.localTag }));
    this.finish();
  }
}
