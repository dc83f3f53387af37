import type { DialOutcome, DialRequest, OutboundLeg } from "../../engine/leg.js";
import type { Timer } from "../../time/clock.js";
import { type AuthAttempt, type DigestSession, isChallenge } from "./auth/digest-session.js";
import type { ClientTransaction } from "./client-transaction.js";
import { Dialog } from "./dialog.js";
import { createHeaders } from "./message/headers.js";
import type { SipRequest, SipResponse } from "./message/types.js";
import { cseqOf, USER_AGENT } from "./responses.js";
import { contentType, SDP, SipCall, type SipCallDeps } from "./sip-call.js";
import { transactionTimeout } from "./timers.js";
import { newBranch, newTag } from "./tokens.js";
import type { Endpoint } from "./transport.js";

export interface SipTarget {
  /** The Request-URI and To, e.g. sip:+15550003333@127.0.0.1:5080. */
  uri: string;
  /** Where the INVITE is sent. */
  destination: Endpoint;
  /** Belay's From: sip:<from>@<sip host>. */
  fromUri: string;
}

type OutboundState = "idle" | "calling" | "early" | "confirmed" | "cancelling" | "ended";

/** A final status to the outcome the engine reports (issue 4: 486/600 busy; 408/480/timeout noAnswer). */
export function outcomeOf(response: SipResponse): DialOutcome {
  const { status } = response;
  if (status === 486 || status === 600) return { result: "busy" };
  if (status === 408 || status === 480) return { result: "noAnswer" };
  return { result: "failed", message: `the far end answered ${status} ${response.reason}` };
}

/**
 * A call Belay places over SIP as the engine's OutboundLeg: INVITE with an SDP offer; 180/183 is
 * ringing; a 2xx is ACKed and the call is answered once the SDP answer is applied; failures map
 * through outcomeOf. An abort (ring timeout, REST cancel) resolves `canceled` at once and CANCELs
 * in the background (RFC 3261 9.1: only once a provisional came); a 2xx that races the CANCEL is
 * ACKed and hung up with BYE.
 */
export class SipCallee extends SipCall implements OutboundLeg {
  private state: OutboundState = "idle";
  private invite: SipRequest | undefined;
  private provisional = false;
  private ringing = false;
  private cancelWanted = false;
  private settle: ((outcome: DialOutcome) => void) | undefined;

  private inviteTransaction: ClientTransaction | undefined;
  private cancelDeadline: Timer | undefined;
  /** The INVITE's answers to the trunk's 401/407 challenges. */
  private inviteAuth: AuthAttempt | undefined;

  constructor(
    deps: SipCallDeps,
    private readonly target: SipTarget,
    /** The INVITE's Call-ID, chosen by whoever logs it. */
    readonly sipCallId: string,
    /** The trunk's credentials, and the challenges it sent during this call. */
    private readonly auth: DigestSession,
  ) {
    super(deps);
  }

  /** Early media is the callee's to give (its 183), never Belay's to send on a call it places. */
  earlyMedia(): Promise<boolean> {
    return Promise.resolve(false);
  }

  dial(request: DialRequest): Promise<DialOutcome> {
    if (request.signal.aborted) {
      this.finish();
      return Promise.resolve({ result: "canceled" });
    }
    const outcome = new Promise<DialOutcome>((resolve) => {
      this.settle = resolve;
    });
    this.invite = this.buildInvite(request.from);
    this.inviteAuth = this.auth.attempt();
    this.inviteAuth.authorize(this.invite);
    this.state = "calling";
    const onAbort = () => this.abort();
    request.signal.addEventListener("abort", onAbort, { once: true });
    this.sendInvite(this.invite, request);
    return outcome.finally(() => request.signal.removeEventListener("abort", onAbort));
  }

  private sendInvite(invite: SipRequest, request: DialRequest): void {
    this.inviteTransaction = this.deps.agent.layer.sendRequest(invite, this.target.destination, {
      response: (response) => {
        // A late answer to an INVITE a challenge replaced (its transaction still absorbs copies).
        if (invite !== this.invite) return;
        this.inviteResponse(response, request);
      },
      timeout: () => {
        if (invite === this.invite)
          this.resolve({ result: "noAnswer", message: "no response to the INVITE (timer B)" });
      },
    });
  }

  protected override digest(): DigestSession {
    return this.auth;
  }

  /** The dial connected the audio path already. */
  async answer(): Promise<void> {}

  hangup(): void {
    switch (this.state) {
      case "confirmed":
        this.state = "ended";
        this.sendBye();
        this.finish();
        return;
      case "calling":
      case "early":
        this.abort();
        return;
      case "idle":
        this.state = "ended";
        this.finish();
        return;
      default:
        return;
    }
  }

  protected override stopTimers(): void {
    this.cancelDeadline?.cancel();
  }

  override retransmitted2xx(response: SipResponse): void {
    const seq = cseqOf(response)?.seq;
    if (this.dialog && seq !== undefined) {
      this.deps.agent.layer.sendStateless(this.dialog.ack(seq), this.dialog.destination());
    }
  }

  private inviteResponse(response: SipResponse, request: DialRequest): void {
    const { status } = response;
    if (status < 200) {
      this.provisional = true;
      if (this.state === "calling") this.state = "early";
      if ((status === 180 || status === 183) && !this.ringing && !this.cancelWanted) {
        this.ringing = true;
        request.onRinging();
      }
      if (this.cancelWanted) this.sendCancel();
      return;
    }
    if (status < 300) {
      this.accepted(response);
      return;
    }
    if (this.state === "cancelling" || this.cancelWanted) {
      this.cancelDeadline?.cancel();
      this.state = "ended";
      this.finish();
      return;
    }
    if (isChallenge(response)) {
      this.challenged(response, request);
      return;
    }
    this.resolve(outcomeOf(response));
  }

  /**
   * 401/407 (already ACKed by the transaction): the INVITE again with the answers, same Call-ID
   * and From tag, CSeq+1, a new branch (RFC 3261 22.2); or `failed` when the challenge cannot be
   * answered or the answer was refused.
   */
  private challenged(response: SipResponse, request: DialRequest): void {
    const invite = this.invite as SipRequest;
    const attempt = this.inviteAuth as AuthAttempt;
    const verdict = attempt.challenged(response);
    if (!verdict.retry) {
      this.deps.logger.warn(
        { trunk: this.auth.peer, realm: verdict.realm, status: response.status },
        `SIP authentication failed: ${verdict.reason}`,
      );
      this.resolve({ result: "failed", message: verdict.reason });
      return;
    }
    const again = nextRequest(invite, this.deps.identity.via(newBranch()));
    attempt.authorize(again);
    this.invite = again;
    // CANCEL waits for a provisional to this INVITE, not to the one the challenge ended.
    this.provisional = false;
    this.state = "calling";
    this.deps.logger.info(
      { status: response.status, cseq: cseqOf(again)?.seq },
      "the trunk challenged the INVITE: sending it again with credentials",
    );
    this.sendInvite(again, request);
  }

  private accepted(response: SipResponse): void {
    const invite = this.invite as SipRequest;
    if (this.dialog) {
      // A retransmission of the 2xx (the transaction passes each one on): ACK again.
      this.retransmitted2xx(response);
      return;
    }
    const source = this.target.destination;
    this.dialog = Dialog.asClient(invite, response, source, this.deps.identity);
    this.deps.agent.addDialog(this.dialog, this);
    this.deps.agent.layer.sendStateless(this.dialog.ack(cseqOf(invite)?.seq ?? 1), this.dialog.destination());
    if (this.state === "cancelling" || this.cancelWanted || this.state === "ended") {
      // Answered after Belay gave up: RFC 3261 15 says ACK, then BYE.
      this.cancelDeadline?.cancel();
      this.state = "ended";
      this.sendBye();
      this.finish();
      return;
    }
    this.dialogConfirmed();
    const negotiated =
      contentType(response) === SDP
        ? this.deps.negotiator.accept(response.body)
        : { ok: false as const, reason: "the 200 OK carried no SDP answer" };
    if (!negotiated.ok) {
      this.deps.logger.warn(
        { reason: negotiated.reason },
        "the far end's SDP answer is unusable: hanging up",
      );
      this.state = "ended";
      this.sendBye();
      this.resolve({ result: "failed", message: `unusable SDP answer: ${negotiated.reason}` });
      return;
    }
    this.state = "confirmed";
    this.startMedia(negotiated.plan);
    this.settle?.({ result: "answered" });
    this.settle = undefined;
  }

  /** Ring timeout or REST cancel: report `canceled` now, CANCEL on the wire as RFC 3261 9.1 allows. */
  private abort(): void {
    if (this.state !== "calling" && this.state !== "early") return;
    this.cancelWanted = true;
    const settle = this.settle;
    this.settle = undefined;
    settle?.({ result: "canceled" });
    if (this.provisional) this.sendCancel();
  }

  private sendCancel(): void {
    if (this.state === "cancelling" || this.state === "ended" || !this.invite) return;
    this.state = "cancelling";
    // RFC 3261 9.1: no final response 64*T1 after the CANCEL, and the INVITE is given up.
    this.cancelDeadline = this.deps.clock.setTimeout(() => {
      if (this.state !== "cancelling") return;
      this.inviteTransaction?.terminate();
      this.state = "ended";
      this.finish();
    }, transactionTimeout(this.deps.timers));
    const cancel = cancelFor(this.invite);
    this.deps.agent.layer.sendRequest(cancel, this.target.destination, {
      response: () => undefined,
      // The INVITE's own transaction ends the call (487, or timeout): nothing to do here.
      timeout: () => undefined,
    });
  }

  /** A final outcome before answer: report it and clean up. */
  private resolve(outcome: DialOutcome): void {
    this.state = "ended";
    const settle = this.settle;
    this.settle = undefined;
    settle?.(outcome);
    this.finish();
  }

  private buildInvite(from: string): SipRequest {
    const { identity, negotiator } = this.deps;
    const headers = createHeaders();
    headers.append("Via", identity.via(newBranch()));
    headers.append("Max-Forwards", "70");
    headers.append("From", `<${this.target.fromUri}>;tag=${newTag()}`);
    headers.append("To", `<${this.target.uri}>`);
    headers.append("Call-ID", this.sipCallId);
    headers.append("CSeq", "1 INVITE");
    headers.append("Contact", identity.contact);
    headers.append("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS");
    headers.append("User-Agent", USER_AGENT);
    headers.append("Content-Type", SDP);
    this.deps.logger.info({ from, uri: this.target.uri }, "dialling over SIP");
    return {
      kind: "request",
      method: "INVITE",
      uri: this.target.uri,
      headers,
      body: negotiator.offer(this.localMedia),
    };
  }
}

/** The same request again, for a challenge: every header kept but a new top Via and CSeq+1. */
export function nextRequest(request: SipRequest, via: string): SipRequest {
  const headers = createHeaders(request.headers.entries());
  const vias = request.headers.getAll("Via");
  headers.set("Via", [via, ...vias.slice(1)]);
  headers.set("CSeq", `${(cseqOf(request)?.seq ?? 1) + 1} ${request.method}`);
  return { ...request, headers };
}

/** RFC 3261 9.1: the CANCEL copies the INVITE's Request-URI, Call-ID, From, To, Route and top Via. */
export function cancelFor(invite: SipRequest): SipRequest {
  const headers = createHeaders();
  const via = invite.headers.getAll("Via")[0];
  if (via) headers.append("Via", via);
  for (const route of invite.headers.getAll("Route")) headers.append("Route", route);
  headers.append("Max-Forwards", "70");
  headers.append("From", invite.headers.get("From") ?? "");
  headers.append("To", invite.headers.get("To") ?? "");
  headers.append("Call-ID", invite.headers.get("Call-ID") ?? "");
  headers.append("CSeq", `${cseqOf(invite)?.seq ?? 1} CANCEL`);
  headers.append("User-Agent", USER_AGENT);
  return { kind: "request", method: "CANCEL", uri: invite.uri, headers, body: Buffer.alloc(0) };
}
