import type { Clock, Timer } from "../../time/clock.js";
import type { SipRequest, SipResponse } from "./message/types.js";
import { type SipTimers, transactionTimeout } from "./timers.js";

export interface ServerTransactionDeps {
  clock: Clock;
  timers: SipTimers;
  /** Sends a response to where the request's Via says (RFC 3261 18.2.2, RFC 3581). */
  send(response: SipResponse): void;
  /** The transaction is over: the layer forgets it. */
  terminated(): void;
  /** A handler run from a timer threw: reported here, never out of the timer. */
  failed(err: unknown): void;
}

export type InviteServerState = "proceeding" | "accepted" | "completed" | "confirmed" | "terminated";

/**
 * RFC 3261 17.2.1 with RFC 6026's Accepted state: a 2xx is retransmitted here (T1 doubling to T2)
 * until the dialog layer reports the ACK, a non-2xx final until its ACK arrives on this
 * transaction's branch. Retransmitted INVITEs get the last response again, until the 2xx is
 * acknowledged; the transaction then lives on to 64*T1 so late copies and CANCELs still match.
 */
export class InviteServerTransaction {
  state: InviteServerState = "proceeding";
  private last: SipResponse | undefined;
  private retransmit: Timer | undefined;
  private deadline: Timer | undefined;
  private interval: number;
  private ackTimeoutHandler: (() => void) | undefined;
  private acked = false;

  constructor(
    readonly request: SipRequest,
    private readonly deps: ServerTransactionDeps,
  ) {
    this.interval = deps.timers.t1;
  }

  /** Called once if a final response is never acknowledged within 64*T1 (timer H, or 2xx ACK wait). */
  onAckTimeout(handler: () => void): void {
    this.ackTimeoutHandler = handler;
  }

  respond(response: SipResponse): void {
    if (this.state !== "proceeding") return;
    this.last = response;
    this.deps.send(response);
    if (response.status < 200) return;
    this.state = response.status < 300 ? "accepted" : "completed";
    this.scheduleRetransmit();
    // Timer H for a failure; for a 2xx, RFC 6026's timer L: the transaction stays (acknowledged or
    // not) to absorb retransmitted INVITEs and match a late CANCEL, and reports a missing ACK.
    this.deadline = this.deps.clock.setTimeout(() => {
      this.stopRetransmitting();
      const handler = this.acked ? undefined : this.ackTimeoutHandler;
      this.terminate();
      try {
        handler?.();
      } catch (err) {
        this.deps.failed(err);
      }
    }, transactionTimeout(this.deps.timers));
  }

  /** The INVITE came again: the peer did not hear us. */
  receiveRetransmission(): void {
    // Once the 2xx is acknowledged the peer has heard it: a late copy of the INVITE is absorbed.
    if (this.acked) return;
    if (
      this.last &&
      (this.state === "proceeding" || this.state === "completed" || this.state === "accepted")
    ) {
      this.deps.send(this.last);
    }
  }

  /** An ACK on this branch: acknowledges a non-2xx final (timer I then absorbs retransmitted ACKs). */
  receiveAck(): void {
    if (this.state !== "completed") return;
    this.state = "confirmed";
    this.stopRetransmitting();
    this.deadline?.cancel();
    this.deadline = this.deps.clock.setTimeout(() => this.terminate(), this.deps.timers.t4);
  }

  /** The dialog layer saw the ACK for our 2xx (it has its own branch): stop retransmitting. */
  acknowledged(): void {
    if (this.state !== "accepted") return;
    this.acked = true;
    this.stopRetransmitting();
  }

  get finalStatus(): number | undefined {
    return this.last && this.last.status >= 200 ? this.last.status : undefined;
  }

  /** Ends the transaction at once (shutdown). */
  terminate(): void {
    if (this.state === "terminated") return;
    this.state = "terminated";
    this.stopRetransmitting();
    this.deadline?.cancel();
    this.deps.terminated();
  }

  private scheduleRetransmit(): void {
    this.retransmit = this.deps.clock.setTimeout(() => {
      if (!this.last || (this.state !== "accepted" && this.state !== "completed")) return;
      this.deps.send(this.last);
      this.interval = Math.min(this.interval * 2, this.deps.timers.t2);
      this.scheduleRetransmit();
    }, this.interval);
  }

  private stopRetransmitting(): void {
    this.retransmit?.cancel();
    this.retransmit = undefined;
  }
}

export type NonInviteServerState = "trying" | "proceeding" | "completed" | "terminated";

/**
 * RFC 3261 17.2.2: the final response is kept for 64*T1 (timer J) and sent again to every
 * retransmission of the request, which never reaches the core twice.
 */
export class NonInviteServerTransaction {
  state: NonInviteServerState = "trying";
  private last: SipResponse | undefined;
  private timerJ: Timer | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly deps: ServerTransactionDeps,
  ) {}

  respond(response: SipResponse): void {
    if (this.state === "completed" || this.state === "terminated") return;
    this.last = response;
    this.deps.send(response);
    if (response.status < 200) {
      this.state = "proceeding";
      return;
    }
    this.state = "completed";
    this.timerJ = this.deps.clock.setTimeout(() => this.terminate(), transactionTimeout(this.deps.timers));
  }

  receiveRetransmission(): void {
    if (this.last && this.state !== "terminated") this.deps.send(this.last);
  }

  get finalStatus(): number | undefined {
    return this.last && this.last.status >= 200 ? this.last.status : undefined;
  }

  terminate(): void {
    if (this.state === "terminated") return;
    this.state = "terminated";
    this.timerJ?.cancel();
    this.deps.terminated();
  }
}

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
