import type { Logger } from "pino";
import type { OutboundLeg } from "../../engine/leg.js";
import { isBelayError } from "../../errors.js";
import type { SipDialogRepo } from "../../store/types.js";
import type { Clock } from "../../time/clock.js";
import { DigestSession, type SipCredentials } from "./auth/digest-session.js";
import type { LocalIdentity } from "./dialog.js";
import { DialogJournal, type DialogOwner } from "./dialog-journal.js";
import { byeLeftDialogs } from "./left-dialogs.js";
import { LogLimiter } from "./log-limiter.js";
import { parseNameAddr } from "./message/name-addr.js";
import { parseSipMessage } from "./message/parse.js";
import { serializeSipMessage } from "./message/serialize.js";
import type { SipRequest } from "./message/types.js";
import { parseUri } from "./message/uri.js";
import type { SdpNegotiator } from "./negotiator.js";
import { Registration, type RegistrationTarget } from "./registration.js";
import { ACCEPT, responseFor } from "./responses.js";
import type { RtpMedia, RtpStats } from "./rtp/types.js";
import type { InviteServerTransaction } from "./server-transaction.js";
import { contentType, SDP, type SipCall, type SipCallDeps, warning } from "./sip-call.js";
import { SipCallee, type SipTarget } from "./sip-callee.js";
import { SipLeg } from "./sip-leg.js";
import { outboundTarget } from "./target.js";
import { RFC3261_TIMERS, type SipTimers } from "./timers.js";
import { newCallId, newTag } from "./tokens.js";
import { type ServerTransactionLimits, TransactionLayer } from "./transaction-layer.js";
import { type Endpoint, UdpTransport } from "./transport.js";
import { UserAgent } from "./user-agent.js";

/** What an inbound INVITE becomes: a call the engine runs, or a refusal with its status. */
export type InboundDecision =
  | { accept: true; start(leg: SipLeg, callLogger: Logger): void; callId: string; accountId: string }
  | { accept: false; status: number; reason?: string };

/** The composition root's side of an inbound call: routing and starting it in the engine. */
export interface InboundCalls {
  /** Finds the number dialled (the Request-URI user) and who calls (the From user). */
  route(dialled: string, caller: string): Promise<InboundDecision>;
}

export interface SipServiceOptions {
  listenHost: string;
  port: number;
  /** The address in Via, Contact and SDP. */
  advertiseHost: string;
  maxCalls: number;
  /** `sip:{to}@host:port`, or undefined: no SIP outbound. */
  outbound: string | undefined;
  clock: Clock;
  logger: Logger;
  negotiator: SdpNegotiator;
  /** One RTP session per call, on a port from the configured range. */
  openMedia(logger: Logger): Promise<RtpMedia>;
  /** Called last in close(), once every session is closed: frees what openMedia runs on. */
  closeMedia?(): Promise<void>;
  inbound: InboundCalls;
  timers?: SipTimers;
  /**
   * Where confirmed dialogs are kept while they last. At start the dialogs a previous process
   * left there get their BYE. None: nothing kept (a crash leaves peers without a BYE).
   */
  dialogs?: SipDialogRepo;
  /** What a flood of requests can make Belay hold; DEFAULT_SERVER_TRANSACTION_LIMITS otherwise. */
  transactionLimits?: ServerTransactionLimits;
  /** Why Belay takes no new calls right now (a low disk), or undefined: an INVITE then gets 503. */
  refusal?: () => CallRefusal | undefined;
  /** What Belay answers the outbound trunk's 401/407 challenges with; none: such calls fail. */
  outboundCredentials?: SipCredentials;
  /** Keep a registration at this registrar (with outboundCredentials) while SIP runs. */
  register?: RegistrationTarget;
}

/** A reason to turn every new call away for a while. */
export interface CallRefusal {
  /** The 503's reason phrase. */
  phrase: string;
  /** For the log line. */
  message: string;
  retryAfterSec: number;
}

/** Seconds a caller refused for the call limit is asked to wait. */
const RETRY_AFTER_SEC = 5;

/**
 * Belay's SIP: one UDP socket, the transaction layer, the UA core, inbound INVITEs turned into
 * engine calls through `inbound`, and SipCallees for outbound calls. Counts live calls against
 * --max-calls.
 */
export class SipService {
  private live = 0;
  private closing = false;
  private readonly pendingByes = new Set<Promise<void>>();
  private readonly closingMedia = new Set<Promise<RtpStats>>();
  private readonly openSessions = new Set<RtpMedia>();
  /** Calls not yet finished, so close() can drop what they still wait for. */
  private readonly calls = new Set<SipCall>();
  private readonly journal: DialogJournal | undefined;
  /** Refusals a flood of INVITEs can cause are logged at a bounded rate. */
  private readonly refusalLog: LogLimiter;
  private registration: Registration | undefined;

  private constructor(
    private readonly options: SipServiceOptions,
    private readonly transport: UdpTransport,
    readonly layer: TransactionLayer,
    readonly agent: UserAgent,
    private readonly identity: LocalIdentity,
  ) {
    this.journal = options.dialogs ? new DialogJournal(options.dialogs, options.logger) : undefined;
    this.refusalLog = new LogLimiter(options.logger, options.clock);
  }

  /** Inbound INVITEs become calls from now on; until then the UA answers them 503. */
  private acceptCalls(): void {
    this.agent.onInvite((request, transaction, source) => {
      this.invite(request, transaction, source).catch((err: unknown) => {
        this.options.logger.error({ err }, "inbound INVITE failed inside Belay");
        transaction.respond(responseFor(request, 500));
      });
    });
  }

  /** The dialogs a previous process left get their BYE (left-dialogs.ts); close() waits a little for the answers. */
  private async byeLeftDialogs(): Promise<void> {
    if (!this.options.dialogs || !this.journal) return;
    const byes = await byeLeftDialogs({
      repo: this.options.dialogs,
      journal: this.journal,
      layer: this.layer,
      identity: this.identity,
      logger: this.options.logger,
    });
    for (const bye of byes) this.trackBye(bye);
  }

  /** Resolves once every dialog row written or deleted so far is (tests; shutdown waits for it too). */
  dialogWrites(): Promise<void> {
    return this.journal?.settled() ?? Promise.resolve();
  }

  static async start(options: SipServiceOptions): Promise<SipService> {
    const logger = options.logger.child({ component: "sip" });
    let layer: TransactionLayer | undefined;
    const transport = await UdpTransport.open({
      host: options.listenHost,
      port: options.port,
      onDatagram: (bytes, source) => layer?.receive(bytes, source),
      onSendError: (err, to) => logger.debug({ err: err.message, to }, "SIP datagram not sent"),
    });
    const sentBy = { host: options.advertiseHost, port: transport.local.port };
    layer = new TransactionLayer({
      transport,
      codec: { parse: parseSipMessage, serialize: serializeSipMessage },
      clock: options.clock,
      timers: options.timers ?? RFC3261_TIMERS,
      logger,
      sentBy,
      ...(options.transactionLimits ? { limits: options.transactionLimits } : {}),
    });
    const identity: LocalIdentity = {
      via: (branch) => (layer as TransactionLayer).via(branch),
      contact: `<sip:belay@${hostForUri(sentBy.host)}:${sentBy.port}>`,
    };
    const agent = new UserAgent(layer, logger);
    logger.info(
      { listen: `${options.listenHost}:${transport.local.port}`, advertise: sentBy.host },
      "SIP listening (UDP)",
    );
    const service = new SipService({ ...options, logger }, transport, layer, agent, identity);
    try {
      // Before any new call: the BYEs go out first (their answers are awaited in the background).
      await service.byeLeftDialogs();
    } catch (err) {
      await service.close();
      throw err;
    }
    service.acceptCalls();
    service.startRegistration();
    return service;
  }

  /** --sip-register: the binding at the trunk's registrar, kept until close(). */
  private startRegistration(): void {
    const { register } = this.options;
    if (!register) return;
    this.registration = new Registration(register, {
      layer: this.layer,
      clock: this.options.clock,
      logger: this.options.logger,
      advertise: { host: this.options.advertiseHost, port: this.transport.local.port },
      auth: new DigestSession(this.options.outboundCredentials, `the registrar ${register.registrar}`),
    });
    this.registration.start();
  }

  get address(): Endpoint {
    return this.transport.local;
  }

  liveCalls(): number {
    return this.live;
  }

  /** Whether POST /Calls can dial numbers over SIP. */
  get dialsOut(): boolean {
    return this.options.outbound !== undefined;
  }

  /** A leg that dials `to` at the --sip-outbound target; a string says why it cannot. */
  async outboundLeg(
    callId: string,
    from: string,
    to: string,
    accountId: string,
  ): Promise<OutboundLeg | string> {
    const template = this.options.outbound;
    if (!template) return "SIP outbound is not configured (--sip-outbound)";
    if (this.closing) return "Belay is shutting down";
    if (this.live >= this.options.maxCalls) return `the SIP call limit (${this.options.maxCalls}) is reached`;
    let target: SipTarget;
    try {
      target = outboundTarget(template, to, from, this.options.advertiseHost);
    } catch (err) {
      return isBelayError(err) ? err.message : String(err);
    }
    const sipCallId = newCallId(this.options.advertiseHost);
    const logger = this.options.logger.child({ callId, sipCallId });
    const release = this.takeSlot();
    let media: RtpMedia;
    try {
      media = await this.options.openMedia(logger);
      this.openSessions.add(media);
    } catch (err) {
      release();
      return `no RTP port: ${isBelayError(err) ? err.message : String(err)}`;
    }
    const deps = this.callDeps(logger, media, release, { callId, accountId });
    const trunk = `the trunk at ${target.destination.address}:${target.destination.port}`;
    return this.track(
      new SipCallee(deps, target, sipCallId, new DigestSession(this.options.outboundCredentials, trunk)),
    );
  }

  /** Shutdown begins: new INVITEs get 503 and no call is dialled, while live ones are hung up. */
  stopAccepting(): void {
    this.closing = true;
  }

  /** After the engine has hung up every call: waits briefly for BYEs to be answered, then closes. */
  async close(): Promise<void> {
    this.closing = true;
    // The registrar is told Belay is gone (Expires: 0) while the BYEs are answered.
    const unregistered = this.registration?.stop();
    if (unregistered) this.trackBye(unregistered);
    if (this.pendingByes.size > 0) {
      // The grace timer is cancelled once the BYEs are answered, so it never holds the process.
      const answered = new AbortController();
      const grace = this.options.clock.sleep(4 * (this.options.timers ?? RFC3261_TIMERS).t1, answered.signal);
      await Promise.race([Promise.allSettled([...this.pendingByes]), grace]);
      answered.abort();
    }
    for (const call of [...this.calls]) call.abandon();
    this.layer.close();
    this.refusalLog.stop();
    await this.transport.close();
    // Every call has ended for the engine by now, but one may still be finishing on the wire (a
    // CANCEL waiting for its 487): its RTP session is closed here, and every close waited for.
    for (const media of [...this.openSessions]) void this.closeMedia(media).catch(() => undefined);
    await Promise.allSettled([...this.closingMedia]);
    await this.options.closeMedia?.();
    // The rows of the calls just ended are deleted before the store closes.
    await this.dialogWrites();
  }

  /** Closes a call's RTP session; shutdown waits for closes still under way. */
  private closeMedia(media: RtpMedia): Promise<RtpStats> {
    this.openSessions.delete(media);
    const closing = media.close();
    this.closingMedia.add(closing);
    closing.finally(() => this.closingMedia.delete(closing)).catch(() => undefined);
    return closing;
  }

  private async invite(
    request: SipRequest,
    transaction: InviteServerTransaction,
    source: Endpoint,
  ): Promise<void> {
    const { logger, maxCalls, negotiator } = this.options;
    transaction.respond(responseFor(request, 100));
    const refuse = (status: number, reason?: string, headers?: Record<string, string>) =>
      transaction.respond(responseFor(request, status, reason, { toTag: newTag(), headers: headers ?? {} }));
    if (request.body.length > 0 && contentType(request) !== SDP) {
      refuse(415, undefined, { Accept: ACCEPT });
      return;
    }
    if (this.closing) {
      refuse(503, "Shutting Down", { "Retry-After": String(RETRY_AFTER_SEC) });
      return;
    }
    const refusal = this.options.refusal?.();
    if (refusal) {
      this.refusalLog.warn(
        { callId: request.headers.get("Call-ID"), reason: refusal.message },
        "INVITE refused: 503",
      );
      refuse(503, refusal.phrase, { "Retry-After": String(refusal.retryAfterSec) });
      return;
    }
    if (this.live >= maxCalls) {
      this.refusalLog.warn(
        { maxCalls, callId: request.headers.get("Call-ID") },
        "INVITE beyond the call limit: 503",
      );
      refuse(503, "Call Limit Reached", { "Retry-After": String(RETRY_AFTER_SEC) });
      return;
    }
    // No body: a delayed offer (RFC 3261 13.2.1), Belay offers in its 200 and the ACK answers.
    const negotiated = request.body.length > 0 ? negotiator.negotiate(request.body) : undefined;
    if (negotiated && !negotiated.ok) {
      refuse(488, undefined, { Warning: warning(negotiated.reason) });
      return;
    }
    // The slot is taken before any await, so a flood cannot overshoot the limit.
    const release = this.takeSlot();
    let cancelled = false;
    this.agent.addCancellable(transaction, () => {
      cancelled = true;
      transaction.respond(responseFor(request, 487, undefined, { toTag: newTag() }));
    });
    let decision: InboundDecision;
    try {
      decision = await this.options.inbound.route(
        uriUser(request.uri),
        nameAddrUser(request.headers.get("From")),
      );
    } catch (err) {
      release();
      this.agent.removeCancellable(transaction);
      if (cancelled) return;
      logger.error({ err }, "inbound call could not be routed");
      refuse(500, "Routing Failed");
      return;
    }
    if (cancelled) return release();
    if (!decision.accept) {
      this.agent.removeCancellable(transaction);
      refuse(decision.status, decision.reason);
      return release();
    }
    const callLogger = logger.child({
      callId: decision.callId,
      sipCallId: request.headers.get("Call-ID") ?? "",
    });
    let media: RtpMedia;
    try {
      media = await this.options.openMedia(callLogger);
      this.openSessions.add(media);
    } catch (err) {
      release();
      this.agent.removeCancellable(transaction);
      if (cancelled) return;
      callLogger.error({ err }, "no RTP port for the inbound call");
      refuse(503, "No Media Port", { "Retry-After": String(RETRY_AFTER_SEC) });
      return;
    }
    if (cancelled) {
      await this.closeMedia(media);
      return release();
    }
    this.agent.removeCancellable(transaction);
    const plan = negotiated?.ok ? negotiated.plan : undefined;
    const leg = this.track(
      new SipLeg(
        this.callDeps(callLogger, media, release, { callId: decision.callId, accountId: decision.accountId }),
        request,
        transaction,
        source,
        plan,
      ),
    );
    leg.ring();
    callLogger.info({ source, uri: request.uri }, "inbound SIP call");
    try {
      decision.start(leg, callLogger);
    } catch (err) {
      // The engine would not take the call: turn it down (500) and free what it holds.
      callLogger.error({ err }, "the engine did not start the inbound call");
      leg.hangup();
      leg.settle("internalError");
    }
  }

  private track<T extends SipCall>(call: T): T {
    this.calls.add(call);
    return call;
  }

  /** Counts a call against --max-calls; the function returned frees it (once, however often called). */
  private takeSlot(): () => void {
    this.live++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.live--;
    };
  }

  private trackBye(bye: Promise<void>): void {
    this.pendingByes.add(bye);
    bye.finally(() => this.pendingByes.delete(bye)).catch(() => undefined);
  }

  private callDeps(logger: Logger, media: RtpMedia, release: () => void, owner: DialogOwner): SipCallDeps {
    const onEnded = (call: SipCall) => {
      release();
      this.calls.delete(call);
    };
    return {
      agent: this.agent,
      clock: this.options.clock,
      timers: this.options.timers ?? RFC3261_TIMERS,
      logger,
      negotiator: this.options.negotiator,
      media,
      mediaAddress: this.options.advertiseHost,
      closeMedia: () => this.closeMedia(media),
      identity: this.identity,
      onEnded,
      trackBye: (bye) => this.trackBye(bye),
      owner,
      ...(this.journal ? { journal: this.journal } : {}),
    };
  }
}

/** The user part of the Request-URI; "" when there is none. */
export function uriUser(uri: string): string {
  try {
    return parseUri(uri).user ?? "";
  } catch {
    return "";
  }
}

/** The user part of a From or To value; "" when there is none. */
export function nameAddrUser(value: string | undefined): string {
  if (!value) return "";
  try {
    return parseNameAddr(value).uri.user ?? "";
  } catch {
    return "";
  }
}

export function hostForUri(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
