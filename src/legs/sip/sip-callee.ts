import type { DialOutcome, DialRequest, OutboundLeg } from "../../engine/leg.js";
import type { Timer } from "../../time/clock.js";
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

  constructor(
    deps: SipCallDeps,
    private readonly target: SipTarget,
    /** The INVITE's Call-ID, chosen by whoever logs it. */
    readonly sipCallId: string,
  ) {
    super(deps);
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
    this.state = "calling";
    const onAbort = () => this.abort();
    request.signal.addEventListener("abort", onAbort, { once: true });
    this.inviteTransaction = this.deps.agent.layer.sendRequest(this.invite, this.target.destination, {
      response: (response) => this.inviteResponse(response, request),
      timeout: () => this.resolve({ result: "noAnswer", message: "no response to the INVITE (timer B)" }),
    });
    return outcome.finally(() => request.signal.removeEventListener("abort", onAbort));
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
    this.resolve(outcomeOf(response));
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
