import type { Clock, Timer } from "../../time/clock.js";
import { HeaderFields } from "./message/headers.js";
import type { SipRequest, SipResponse } from "./message/types.js";
import { type SipTimers, transactionTimeout } from "./timers.js";

export interface ClientTransactionDeps {
  clock: Clock;
  timers: SipTimers;
  /** Sends a request to the transaction's destination. */
  send(request: SipRequest): void;
  /** The transaction is over: the layer forgets it. */
  terminated(): void;
}

export interface ClientTransactionUser {
  /** Every response that is news: provisional ones, and the final one (2xx ones all, see below). */
  response(response: SipResponse): void;
  /** No final response within 64*T1 (timer B or F): treat as 408 Request Timeout. */
  timeout(): void;
}

export type InviteClientState = "calling" | "proceeding" | "accepted" | "completed" | "terminated";

/**
 * RFC 3261 17.1.1 with RFC 6026: the INVITE is retransmitted (timer A) until a response, given up
 * after timer B; a non-2xx final is ACKed here (same branch) and its retransmissions ACKed again
 * during timer D; 2xx responses (each retransmission, and from each fork) go to the user, which
 * ACKs them end to end, during timer M.
 */
export class InviteClientTransaction {
  state: InviteClientState = "calling";
  private timerA: Timer | undefined;
  private deadline: Timer | undefined;
  private interval: number;
  private ack: SipRequest | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly deps: ClientTransactionDeps,
    private readonly user: ClientTransactionUser,
  ) {
    this.interval = deps.timers.t1;
  }

  start(): void {
    this.deps.send(this.request);
    this.scheduleA();
    // Timer B runs only while calling: once the far end rings, the ring timeout is the TU's (CANCEL).
    this.deadline = this.deps.clock.setTimeout(() => {
      if (this.state !== "calling") return;
      this.terminate();
      this.user.timeout();
    }, transactionTimeout(this.deps.timers));
  }

  receiveResponse(response: SipResponse): void {
    const { status } = response;
    switch (this.state) {
      case "calling":
      case "proceeding":
        this.timerA?.cancel();
        if (status < 200) {
          this.state = "proceeding";
          this.deadline?.cancel();
          this.user.response(response);
        } else if (status < 300) {
          this.enterAccepted();
          this.user.response(response);
        } else {
          this.enterCompleted(response);
          this.user.response(response);
        }
        return;
      case "accepted":
        if (status >= 200 && status < 300) this.user.response(response);
        return;
      case "completed":
        if (status >= 300 && this.ack) this.deps.send(this.ack);
        return;
      case "terminated":
        return;
    }
  }

  terminate(): void {
    if (this.state === "terminated") return;
    this.state = "terminated";
    this.timerA?.cancel();
    this.deadline?.cancel();
    this.deps.terminated();
  }

  private scheduleA(): void {
    this.timerA = this.deps.clock.setTimeout(() => {
      if (this.state !== "calling") return;
      this.deps.send(this.request);
      // Timer A doubles without the T2 cap (17.1.1.2); timer B ends it first.
      this.interval *= 2;
      this.scheduleA();
    }, this.interval);
  }

  private enterAccepted(): void {
    this.state = "accepted";
    this.deadline?.cancel();
    this.deadline = this.deps.clock.setTimeout(() => this.terminate(), transactionTimeout(this.deps.timers));
  }

  private enterCompleted(response: SipResponse): void {
    this.state = "completed";
    this.ack = ackForFailure(this.request, response);
    this.deps.send(this.ack);
    this.deadline?.cancel();
    // Timer D: at least 32 s over UDP, so retransmitted failures are still ACKed.
    this.deadline = this.deps.clock.setTimeout(
      () => this.terminate(),
      Math.max(32_000, transactionTimeout(this.deps.timers) / 2),
    );
  }
}

/** RFC 3261 17.1.1.3: the ACK for a non-2xx final belongs to the INVITE's transaction. */
export function ackForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new HeaderFields();
  const via = invite.headers.get("Via");
  if (via !== undefined) headers.append("Via", via);
  for (const route of invite.headers.getAll("Route")) headers.append("Route", route);
  headers.append("Max-Forwards", "70");
  headers.append("From", invite.headers.get("From") ?? "");
  headers.append("To", response.headers.get("To") ?? invite.headers.get("To") ?? "");
  headers.append("Call-ID", invite.headers.get("Call-ID") ?? "");
  const cseq = (invite.headers.get("CSeq") ?? "1 INVITE").trim().split(/\s+/)[0];
  headers.append("CSeq", `${cseq} ACK`);
  headers.append("Content-Length", "0");
  return { kind: "request", method: "ACK", uri: invite.uri, headers, body: Buffer.alloc(0) };
}

export type NonInviteClientState = "trying" | "proceeding" | "completed" | "terminated";

/**
 * RFC 3261 17.1.2: the request is retransmitted (timer E, doubling to T2; T2 once a provisional
 * came) until a final response, given up after timer F; retransmitted finals are absorbed
 * during timer K.
 */
export class NonInviteClientTransaction {
  state: NonInviteClientState = "trying";
  private timerE: Timer | undefined;
  private deadline: Timer | undefined;
  private interval: number;

  constructor(
    readonly request: SipRequest,
    private readonly deps: ClientTransactionDeps,
    private readonly user: ClientTransactionUser,
  ) {
    this.interval = deps.timers.t1;
  }

  start(): void {
    this.deps.send(this.request);
    this.scheduleE();
    this.deadline = this.deps.clock.setTimeout(() => {
      if (this.state !== "trying" && this.state !== "proceeding") return;
      this.terminate();
      this.user.timeout();
    }, transactionTimeout(this.deps.timers));
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== "trying" && this.state !== "proceeding") return;
    if (response.status < 200) {
      this.state = "proceeding";
      this.user.response(response);
      return;
    }
    this.state = "completed";
    this.timerE?.cancel();
    this.deadline?.cancel();
    this.deadline = this.deps.clock.setTimeout(() => this.terminate(), this.deps.timers.t4);
    this.user.response(response);
  }

  terminate(): void {
    if (this.state === "terminated") return;
    this.state = "terminated";
    this.timerE?.cancel();
    this.deadline?.cancel();
    this.deps.terminated();
  }

  private scheduleE(): void {
    this.timerE = this.deps.clock.setTimeout(() => {
      if (this.state !== "trying" && this.state !== "proceeding") return;
      this.deps.send(this.request);
      this.interval =
        this.state === "proceeding" ? this.deps.timers.t2 : Math.min(this.interval * 2, this.deps.timers.t2);
      this.scheduleE();
    }, this.interval);
  }
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
