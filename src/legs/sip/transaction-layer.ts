import type { Logger } from "pino";
import type { Clock } from "../../time/clock.js";
import {
  type ClientTransaction,
  type ClientTransactionUser,
  InviteClientTransaction,
  NonInviteClientTransaction,
} from "./client-transaction.js";
import { LogLimiter } from "./log-limiter.js";
import { isSipParseError } from "./message/errors.js";
import type { SipMessage, SipRequest, SipResponse, Via } from "./message/types.js";
import { formatVia, parseVia } from "./message/via.js";
import { cseqOf, responseFor } from "./responses.js";
import {
  InviteServerTransaction,
  NonInviteServerTransaction,
  type ServerTransaction,
} from "./server-transaction.js";
import type { SipTimers } from "./timers.js";
import { BRANCH_COOKIE } from "./tokens.js";
import type { DatagramSink, Endpoint } from "./transport.js";

export interface SipCodec {
  /** Throws SipParseError for a datagram that is not an acceptable SIP message. */
  parse(bytes: Buffer): SipMessage;
  serialize(message: SipMessage): Buffer;
}

/** What the layer hands up: requests that are news, and what transactions do not absorb. */
export interface TransactionUser {
  /** A new request other than ACK and CANCEL, with its server transaction. */
  request(request: SipRequest, transaction: ServerTransaction, source: Endpoint): void;
  /** A CANCEL, with its own transaction and the INVITE transaction it names (if any). */
  cancel(
    request: SipRequest,
    transaction: NonInviteServerTransaction,
    invite: InviteServerTransaction | undefined,
  ): void;
  /** An ACK no transaction absorbed: the ACK for a 2xx, end to end. */
  ack(request: SipRequest, source: Endpoint): void;
  /** A 2xx to an INVITE whose transaction is gone (a retransmission after timer M): ACK it again. */
  stray2xx(response: SipResponse, source: Endpoint): void;
}

export interface TransactionLayerDeps {
  transport: DatagramSink;
  codec: SipCodec;
  clock: Clock;
  timers: SipTimers;
  logger: Logger;
  /** host:port Belay puts in its own Via sent-by. */
  sentBy: { host: string; port: number };
  /** What live server transactions may hold; DEFAULT_SERVER_TRANSACTION_LIMITS otherwise. */
  limits?: ServerTransactionLimits;
}

/**
 * Bounds on what remote peers can make Belay hold: each request that is news opens a server
 * transaction that lives 64*T1 (32 s) after its final response, holding the request and the
 * response. Beyond either bound a new request is answered 503 without a transaction.
 */
export interface ServerTransactionLimits {
  /** Live server transactions. */
  count: number;
  /** Bytes of the datagrams that opened them (a UDP datagram is at most ~64 KB). */
  bytes: number;
}

/**
 * 10,000 transactions is 20 a second for every one of 500 calls (--max-calls' default) over the
 * 32 s each lives; 32 MB of requests bounds a flood of large datagrams to ~100 MB with the
 * responses and the objects around them.
 */
export const DEFAULT_SERVER_TRANSACTION_LIMITS: ServerTransactionLimits = {
  count: 10_000,
  bytes: 32 * 1024 * 1024,
};

/** Seconds a request refused at the transaction limit is asked to wait. */
const LIMIT_RETRY_AFTER_SEC = 5;

/**
 * RFC 3261 section 17's matching and section 18's transport rules over one UDP socket: parses
 * datagrams, answers what cannot be understood, routes each message to its transaction, and
 * hands new requests to the user. Never throws on input.
 */
export class TransactionLayer {
  private readonly server = new Map<string, ServerTransaction>();
  private readonly client = new Map<string, ClientTransaction>();
  private user: TransactionUser | undefined;
  private serverBytes = 0;
  private readonly limits: ServerTransactionLimits;
  /** Log lines about remote input, rate-limited: a flood of junk is not a flood of lines. */
  private readonly inputLog: LogLimiter;

  constructor(private readonly deps: TransactionLayerDeps) {
    this.limits = deps.limits ?? DEFAULT_SERVER_TRANSACTION_LIMITS;
    this.inputLog = new LogLimiter(deps.logger, deps.clock);
  }

  setUser(user: TransactionUser): void {
    this.user = user;
  }

  /** Open transactions, and the bytes of the requests that opened the server ones. */
  get size(): { server: number; client: number; serverBytes: number } {
    return { server: this.server.size, client: this.client.size, serverBytes: this.serverBytes };
  }

  receive(bytes: Buffer, source: Endpoint): void {
    let message: SipMessage;
    try {
      message = this.deps.codec.parse(bytes);
    } catch (err) {
      this.malformed(err, bytes, source);
      return;
    }
    try {
      if (message.kind === "request") this.receiveRequest(message, source, bytes.length);
      else this.receiveResponse(message, source);
    } catch (err) {
      // A bug in handling one message must not take the socket (and every live call) down.
      this.deps.logger.error({ err, source }, "SIP message handling failed; message dropped");
    }
  }

  /** Our Via for a new request from Belay; `rport` asks the peer to answer where we sent from. */
  via(branch: string): string {
    const { host, port } = this.deps.sentBy;
    return formatVia({
      transport: "UDP",
      host,
      port,
      params: new Map([
        ["branch", branch],
        ["rport", null],
      ]),
    });
  }

  /** Sends a request inside a client transaction. ACK never goes through here (see sendStateless). */
  sendRequest(request: SipRequest, destination: Endpoint, user: ClientTransactionUser): ClientTransaction {
    const branch = topBranch(request) ?? "";
    const key = `${branch}|${request.method}`;
    const deps = {
      clock: this.deps.clock,
      timers: this.deps.timers,
      send: (r: SipRequest) => this.sendMessage(r, destination),
      terminated: () => {
        if (this.client.get(key) === transaction) this.client.delete(key);
      },
    };
    // Responses and timeouts reach the user from the socket and from timers: a throw stops here.
    const guarded: ClientTransactionUser = {
      response: (r) => this.guard(() => user.response(r)),
      timeout: () => this.guard(() => user.timeout()),
    };
    const transaction =
      request.method === "INVITE"
        ? new InviteClientTransaction(request, deps, guarded)
        : new NonInviteClientTransaction(request, deps, guarded);
    this.client.set(key, transaction);
    transaction.start();
    return transaction;
  }

  /** A message outside any transaction: the ACK for a 2xx. */
  sendStateless(message: SipMessage, destination: Endpoint): void {
    this.sendMessage(message, destination);
  }

  /** Ends every transaction (shutdown): their timers stop. */
  close(): void {
    for (const t of [...this.server.values()]) t.terminate();
    for (const t of [...this.client.values()]) t.terminate();
    this.inputLog.stop();
  }

  private receiveRequest(request: SipRequest, source: Endpoint, size: number): void {
    const via = this.fixTopVia(request, source);
    if (!via) {
      this.inputLog.warn({ source, method: request.method }, "SIP request without a usable Via dropped");
      return;
    }
    const replyTo = responseDestination(via);
    const problem = missingHeader(request);
    if (problem) {
      if (request.method !== "ACK") this.sendMessage(responseFor(request, 400, problem), replyTo);
      this.inputLog.warn({ source, method: request.method, problem }, "malformed SIP request answered 400");
      return;
    }
    const key = serverKey(request, via);
    const user = this.user;
    if (request.method === "ACK") {
      const invite = this.server.get(key);
      if (
        invite instanceof InviteServerTransaction &&
        (invite.state === "completed" || invite.state === "confirmed")
      ) {
        invite.receiveAck();
        return;
      }
      user?.ack(request, source);
      return;
    }
    const existing = this.server.get(key);
    if (existing) {
      existing.receiveRetransmission();
      return;
    }
    if (this.server.size >= this.limits.count || this.serverBytes + size > this.limits.bytes) {
      this.sendMessage(
        responseFor(request, 503, "Too Many Transactions", {
          headers: { "Retry-After": String(LIMIT_RETRY_AFTER_SEC) },
        }),
        replyTo,
      );
      this.inputLog.warn(
        { source, method: request.method, transactions: this.server.size, bytes: this.serverBytes },
        "SIP request beyond the server transaction limit answered 503",
      );
      return;
    }
    const transaction = this.createServer(request, key, replyTo, size);
    if (!user) {
      transaction.respond(responseFor(request, 503, "Service Unavailable"));
      return;
    }
    if (request.method === "CANCEL") {
      const invite = this.server.get(serverKey(request, via, "INVITE"));
      user.cancel(
        request,
        transaction as NonInviteServerTransaction,
        invite instanceof InviteServerTransaction ? invite : undefined,
      );
      return;
    }
    user.request(request, transaction, source);
  }

  private createServer(request: SipRequest, key: string, replyTo: Endpoint, size: number): ServerTransaction {
    this.serverBytes += size;
    const deps = {
      clock: this.deps.clock,
      timers: this.deps.timers,
      failed: (err: unknown) => this.deps.logger.error({ err }, "SIP transaction handler failed"),
      send: (response: SipResponse) => this.sendMessage(response, replyTo),
      terminated: () => {
        if (this.server.get(key) !== transaction) return;
        this.server.delete(key);
        this.serverBytes -= size;
      },
    };
    const transaction =
      request.method === "INVITE"
        ? new InviteServerTransaction(request, deps)
        : new NonInviteServerTransaction(request, deps);
    this.server.set(key, transaction);
    return transaction;
  }

  private receiveResponse(response: SipResponse, source: Endpoint): void {
    const branch = topBranch(response);
    const cseq = cseqOf(response);
    if (!branch || !cseq) {
      this.inputLog.warn(
        { source, status: response.status },
        "SIP response without Via branch or CSeq dropped",
      );
      return;
    }
    const transaction = this.client.get(`${branch}|${cseq.method}`);
    if (transaction) {
      transaction.receiveResponse(response);
      return;
    }
    if (cseq.method === "INVITE" && response.status >= 200 && response.status < 300) {
      this.user?.stray2xx(response, source);
      return;
    }
    this.deps.logger.debug(
      { source, status: response.status, branch },
      "SIP response matches no transaction",
    );
  }

  /**
   * RFC 3261 18.2.1 and RFC 3581: `received` set to the source, and rport's value filled in, so
   * the response goes back where the request came from.
   */
  private fixTopVia(request: SipRequest, source: Endpoint): Via | undefined {
    const vias = request.headers.getAll("Via");
    const top = vias[0];
    if (top === undefined) return undefined;
    let via: Via;
    try {
      via = parseVia(top);
    } catch {
      return undefined;
    }
    // `received` always (RFC 3261 requires it only when sent-by differs): whatever a peer wrote in
    // its Via, responses go back to the address the request came from, never to a third party.
    via.params.set("received", source.address);
    if (via.params.has("rport")) via.params.set("rport", String(source.port));
    request.headers.set("Via", [formatVia(via), ...vias.slice(1)]);
    return via;
  }

  private malformed(err: unknown, bytes: Buffer, source: Endpoint): void {
    if (!isSipParseError(err)) {
      this.deps.logger.error({ err, source, bytes: bytes.length }, "SIP parser failed; datagram dropped");
      return;
    }
    if (err.keepAlive) return;
    const headers = err.headers;
    const answerable =
      err.kind === "request" &&
      err.method !== "ACK" &&
      headers !== undefined &&
      ["Via", "From", "To", "Call-ID", "CSeq"].every((name) => headers.has(name));
    if (answerable && headers) {
      const pseudo: SipRequest = {
        kind: "request",
        method: err.method ?? "",
        uri: "",
        headers,
        body: Buffer.alloc(0),
      };
      const via = this.fixTopVia(pseudo, source);
      if (via) {
        this.sendMessage(responseFor(pseudo, err.status, err.reason), responseDestination(via));
        this.inputLog.warn({ source, reason: err.reason }, `malformed SIP request answered ${err.status}`);
        return;
      }
    }
    this.inputLog.warn({ source, reason: err.reason, bytes: bytes.length }, "malformed SIP datagram dropped");
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.logger.error({ err }, "SIP transaction user failed");
    }
  }

  private sendMessage(message: SipMessage, destination: Endpoint): void {
    let bytes: Buffer;
    try {
      bytes = this.deps.codec.serialize(message);
    } catch (err) {
      this.deps.logger.error({ err }, "SIP message could not be serialized; not sent");
      return;
    }
    this.deps.transport.send(bytes, destination);
  }
}

/** RFC 3261 18.2.2 for UDP, with RFC 3581: received (else sent-by host) and rport (else sent-by port). */
export function responseDestination(via: Via): Endpoint {
  const received = via.params.get("received");
  const rport = via.params.get("rport");
  const address = received ?? via.host;
  const port = rport ? Number(rport) : (via.port ?? 5060);
  return { address, port };
}

function topBranch(message: SipMessage): string | undefined {
  const top = message.headers.getAll("Via")[0];
  if (top === undefined) return undefined;
  try {
    return parseVia(top).params.get("branch") ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * RFC 3261 17.2.3: branch + sent-by + method, ACK matching its INVITE. A branch without the magic
 * cookie (RFC 2543) is used as is: such peers are not supported beyond not being confused with others.
 */
function serverKey(request: SipRequest, via: Via, method?: string): string {
  const branch = via.params.get("branch") ?? "";
  const m = method ?? (request.method === "ACK" ? "INVITE" : request.method);
  const unique = branch.startsWith(BRANCH_COOKIE)
    ? branch
    : `${branch}/${request.headers.get("Call-ID")}/${cseqOf(request)?.seq}`;
  return `${unique}|${via.host}:${via.port ?? 5060}|${m}`;
}

/** The headers every request needs (RFC 3261 8.1.1), and a CSeq that agrees with the method. */
function missingHeader(request: SipRequest): string | undefined {
  for (const name of ["From", "To", "Call-ID", "CSeq"]) {
    if (!request.headers.get(name)) return `Missing ${name}`;
  }
  const cseq = cseqOf(request);
  if (!cseq) return "Malformed CSeq";
  if (cseq.method !== request.method) return "CSeq method does not match the request";
  return undefined;
}
