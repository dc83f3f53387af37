import type { Logger } from "pino";
import type { Clock, Timer } from "../../time/clock.js";
import { type DigestSession, isChallenge } from "./auth/digest-session.js";
import { createHeaders } from "./message/headers.js";
import { scanNameAddr } from "./message/name-addr.js";
import type { SipRequest, SipResponse } from "./message/types.js";
import { parseUri } from "./message/uri.js";
import { ALLOW, USER_AGENT } from "./responses.js";
import { newBranch, newCallId, newTag } from "./tokens.js";
import type { TransactionLayer } from "./transaction-layer.js";
import type { Endpoint } from "./transport.js";

/** Where and how long Belay registers; the registrar is a `sip:` URI, its user (if any) the AOR's. */
export interface RegistrationTarget {
  registrar: string;
  /** Asked for in Expires; the registrar may grant less (or, after 423, ask for more). */
  expiresSec: number;
  /** The AOR's user when the registrar URI has none (the trunk account's user name). */
  username: string | undefined;
}

export interface RegistrationDeps {
  layer: Pick<TransactionLayer, "sendRequest" | "via">;
  clock: Clock;
  logger: Logger;
  /** Belay's SIP address as peers reach it: the Contact registered. */
  advertise: { host: string; port: number };
  /** The trunk's credentials and challenges (shared by every REGISTER of this registration). */
  auth: DigestSession;
}

/** Waits after a failed REGISTER: 30 s, doubling, at most 10 minutes (or the registrar's Retry-After). */
export const REGISTER_BACKOFF = { firstMs: 30_000, maxMs: 600_000 };

/** How long before the binding expires it is refreshed: half the time, at most 60 s before. */
export function refreshDelayMs(grantedSec: number): number {
  const ms = grantedSec * 1000;
  return ms - Math.min(60_000, ms / 2);
}

type Outcome = { ok: true; grantedSec: number } | { ok: false; reason: string; retryAfterSec?: number };

/**
 * RFC 3261 section 10 from the UA side: one binding of Belay's Contact to the AOR at a registrar,
 * kept alive with refreshes (same Call-ID, CSeq rising) before it expires, answering digest
 * challenges, retried with backoff when it fails, and removed (Expires: 0) by stop().
 */
export class Registration {
  private readonly callId: string;
  private readonly fromTag = newTag();
  private readonly aor: string;
  private readonly requestUri: string;
  private readonly contact: string;
  private readonly destination: Endpoint;
  private seq = 0;
  private timer: Timer | undefined;
  private failures = 0;
  private stopped = false;
  private sentAny = false;
  private registered = false;

  constructor(
    private readonly target: RegistrationTarget,
    private readonly deps: RegistrationDeps,
  ) {
    const uri = parseUri(target.registrar);
    const user = uri.user ?? target.username ?? "belay";
    const host = uri.host.includes(":") ? `[${uri.host}]` : uri.host;
    const port = uri.port === undefined ? "" : `:${uri.port}`;
    this.requestUri = `${uri.scheme}:${host}${port}`;
    this.aor = `${uri.scheme}:${user}@${host}`;
    const self = deps.advertise.host.includes(":") ? `[${deps.advertise.host}]` : deps.advertise.host;
    this.contact = `<sip:${user}@${self}:${deps.advertise.port}>`;
    this.destination = { address: uri.host === "localhost" ? "127.0.0.1" : uri.host, port: uri.port ?? 5060 };
    this.callId = newCallId(deps.advertise.host);
  }

  /** Whether the registrar's last answer was a binding still in force. */
  get isRegistered(): boolean {
    return this.registered;
  }

  start(): void {
    this.register();
  }

  /** Cancels the refresh and removes the binding (Expires: 0); resolves once the registrar answered or gave up. */
  stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    if (!this.sentAny) return Promise.resolve();
    return new Promise((resolve) => {
      this.send(this.deps.auth.attempt({ preemptive: true }), 0, (outcome) => {
        this.registered = false;
        if (outcome.ok)
          this.deps.logger.info(
            { registrar: this.target.registrar, aor: this.aor },
            "SIP registration removed",
          );
        else
          this.deps.logger.warn(
            { registrar: this.target.registrar, aor: this.aor },
            `SIP un-registration failed: ${outcome.reason}`,
          );
        resolve();
      });
    });
  }

  private register(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.send(this.deps.auth.attempt({ preemptive: true }), this.target.expiresSec, (outcome) =>
      this.registerDone(outcome),
    );
  }

  private registerDone(outcome: Outcome): void {
    if (this.stopped) return;
    const { logger } = this.deps;
    const where = { registrar: this.target.registrar, aor: this.aor };
    if (outcome.ok) {
      const again = refreshDelayMs(outcome.grantedSec);
      const level = this.registered && this.failures === 0 ? "debug" : "info";
      logger[level](
        { ...where, expiresSec: outcome.grantedSec, refreshInSec: Math.round(again / 1000) },
        this.registered ? "SIP registration refreshed" : "SIP registration in force",
      );
      this.registered = true;
      this.failures = 0;
      this.timer = this.deps.clock.setTimeout(() => this.register(), again);
      return;
    }
    this.failures++;
    const backoff = Math.min(REGISTER_BACKOFF.maxMs, REGISTER_BACKOFF.firstMs * 2 ** (this.failures - 1));
    const wait = Math.max(backoff, (outcome.retryAfterSec ?? 0) * 1000);
    logger.warn(
      { ...where, failures: this.failures, retryInSec: Math.round(wait / 1000) },
      `SIP registration failed: ${outcome.reason}`,
    );
    this.timer = this.deps.clock.setTimeout(() => this.register(), wait);
  }

  /** One REGISTER and the retries its challenges (or one 423) call for, then `done` once. */
  private send(
    attempt: ReturnType<DigestSession["attempt"]>,
    expiresSec: number,
    done: (outcome: Outcome) => void,
    raisedExpires = false,
  ): void {
    const request = this.build(expiresSec);
    attempt.authorize(request);
    this.sentAny = true;
    this.deps.layer.sendRequest(request, this.destination, {
      response: (r) => {
        if (r.status < 200) return;
        if (r.status < 300) {
          const granted = grantedSec(r, this.contact, expiresSec);
          if (expiresSec > 0 && granted <= 0)
            done({ ok: false, reason: `${this.target.registrar} answered ${r.status} but kept no binding` });
          else done({ ok: true, grantedSec: granted });
          return;
        }
        if (isChallenge(r)) {
          const verdict = attempt.challenged(r);
          if (verdict.retry) this.send(attempt, expiresSec, done, raisedExpires);
          else done({ ok: false, reason: verdict.reason });
          return;
        }
        // RFC 3261 10.2.8: too brief an interval; once, with the registrar's minimum.
        const minimum = Number(r.headers.get("Min-Expires"));
        if (r.status === 423 && !raisedExpires && Number.isInteger(minimum) && minimum > expiresSec) {
          this.send(attempt, minimum, done, true);
          return;
        }
        const retryAfter = Number.parseInt(r.headers.get("Retry-After") ?? "", 10);
        done({
          ok: false,
          reason: `${this.target.registrar} answered ${r.status} ${r.reason}`,
          ...(Number.isFinite(retryAfter) ? { retryAfterSec: retryAfter } : {}),
        });
      },
      timeout: () => done({ ok: false, reason: `no answer from ${this.target.registrar} within 64*T1` }),
    });
  }

  private build(expiresSec: number): SipRequest {
    this.seq++;
    const headers = createHeaders();
    headers.append("Via", this.deps.layer.via(newBranch()));
    headers.append("Max-Forwards", "70");
    headers.append("From", `<${this.aor}>;tag=${this.fromTag}`);
    headers.append("To", `<${this.aor}>`);
    headers.append("Call-ID", this.callId);
    headers.append("CSeq", `${this.seq} REGISTER`);
    headers.append("Contact", this.contact);
    headers.append("Expires", String(expiresSec));
    headers.append("Allow", ALLOW);
    headers.append("User-Agent", USER_AGENT);
    return { kind: "request", method: "REGISTER", uri: this.requestUri, headers, body: Buffer.alloc(0) };
  }
}

/**
 * What the registrar granted (RFC 3261 10.2.4): the expires parameter of the Contact that is
 * Belay's, else the Expires header, else what was asked.
 */
function grantedSec(response: SipResponse, contact: string, asked: number): number {
  const ours = addressOf(contact);
  for (const value of response.headers.getAll("Contact")) {
    try {
      const parsed = scanNameAddr(value, "Contact");
      if (addressOf(`<${parsed.uriText}>`) !== ours) continue;
      const expires = Number(parsed.params.get("expires"));
      if (Number.isInteger(expires)) return expires;
    } catch {
      // A Contact Belay cannot read is not Belay's.
    }
  }
  const header = Number(response.headers.get("Expires"));
  return Number.isInteger(header) && response.headers.has("Expires") ? header : asked;
}

/** user@host:port of a `<sip:…>` value, for comparing Contacts. */
function addressOf(nameAddr: string): string {
  try {
    const uri = parseUri(nameAddr.replace(/^<|>$/g, ""));
    return `${uri.user ?? ""}@${uri.host.toLowerCase()}:${uri.port ?? 5060}`;
  } catch {
    return nameAddr;
  }
}
