/**
 * Answering a trunk's 401/407 (RFC 3261 22.2, 22.3) with one set of credentials, without ever
 * looping: a challenge is answered once; the same realm challenging the answer again means the
 * credentials are wrong, unless it says `stale=true` (the nonce expired), which is answered once
 * more with the new nonce.
 */
import { randomBytes } from "node:crypto";
import type { SipRequest, SipResponse } from "../message/types.js";
import { cseqOf } from "../responses.js";
import { parseChallenges } from "./challenge.js";
import { authorizationValue, type DigestChallenge, digestChallenge, preferred } from "./digest.js";

export interface SipCredentials {
  username: string;
  password: string;
}

/** 401 asks with WWW-Authenticate, answered in Authorization; 407 with the Proxy- pair. */
const HEADERS = {
  401: { challenge: "WWW-Authenticate", answer: "Authorization" },
  407: { challenge: "Proxy-Authenticate", answer: "Proxy-Authorization" },
} as const;

type ChallengeStatus = keyof typeof HEADERS;

/**
 * Retries one request may make, whatever the challenges: a proxy's realm, the trunk's, and one
 * stale nonce. A peer that invents a new realm each time cannot make Belay loop.
 */
const MAX_RETRIES = 3;

export function isChallenge(response: SipResponse): boolean {
  return response.status === 401 || response.status === 407;
}

/** What to do about a 401/407: send the request again (authorize() then adds the answers), or give up and why. */
export type ChallengeVerdict = { retry: true } | { retry: false; reason: string; realm?: string };

interface Cached {
  status: ChallengeStatus;
  challenge: DigestChallenge;
  cnonce: string;
  nc: number;
}

/**
 * The challenges one peer has sent, by realm, and the nonce count of each: shared by the requests
 * of one call (INVITE, BYE) or one registration. Each logical request uses an AuthAttempt.
 */
export class DigestSession {
  private readonly realms = new Map<string, Cached>();

  constructor(
    /** None: a challenge ends the request, with a message saying credentials are missing. */
    readonly credentials: SipCredentials | undefined,
    /** How messages name the peer, e.g. `the trunk at 203.0.113.5:5060`. */
    readonly peer: string,
  ) {}

  /** A new logical request (and its authenticated retries). */
  attempt(options: { preemptive?: boolean } = {}): AuthAttempt {
    return new AuthAttempt(this, options.preemptive ?? false);
  }

  /** @internal Realms and the answer header each goes in. */
  cached(): Iterable<[string, Cached]> {
    return this.realms.entries();
  }

  /** @internal */
  remember(status: ChallengeStatus, challenge: DigestChallenge): void {
    const key = realmKey(status, challenge.realm);
    const old = this.realms.get(key);
    if (old && old.challenge.nonce === challenge.nonce) {
      old.challenge = challenge;
      return;
    }
    this.realms.set(key, { status, challenge, cnonce: randomBytes(16).toString("hex"), nc: 0 });
  }
}

/**
 * One request and its retries: which realms the last copy answered (a second challenge for one
 * of them is a refusal), and which realms already had their one stale retry.
 */
export class AuthAttempt {
  /** CSeq number → realm keys the request with that CSeq carried answers for. */
  private readonly answered = new Map<number, Set<string>>();
  private readonly staleUsed = new Set<string>();
  private retries = 0;

  /**
   * A preemptive first request reuses a nonce from an earlier request (a registration refresh):
   * a challenge to it usually means that nonce is spent, so it is answered like a first one.
   */
  private readonly speculative: boolean;

  constructor(
    private readonly session: DigestSession,
    private preemptive: boolean,
  ) {
    this.speculative = preemptive;
  }

  /** How messages name the peer. */
  get peer(): string {
    return this.session.peer;
  }

  /**
   * Adds Authorization / Proxy-Authorization for every realm that has challenged, on a request
   * being sent again after challenged(), or on any request when the attempt is preemptive.
   */
  authorize(request: SipRequest): void {
    const seq = cseqOf(request)?.seq ?? 0;
    const realms = new Set<string>();
    this.answered.set(seq, realms);
    const credentials = this.session.credentials;
    if (!credentials || !this.preemptive) return;
    request.headers.delete("Authorization");
    request.headers.delete("Proxy-Authorization");
    for (const [key, cached] of this.session.cached()) {
      cached.nc++;
      request.headers.append(
        HEADERS[cached.status].answer,
        authorizationValue(cached.challenge, credentials, request, cached),
      );
      realms.add(key);
    }
  }

  /** The request got 401 or 407: whether to send it again (with a new CSeq, then authorize()). */
  challenged(response: SipResponse): ChallengeVerdict {
    const status = response.status as ChallengeStatus;
    const { peer, credentials } = this.session;
    const values = response.headers.getAll(HEADERS[status].challenge);
    const parsed = values.flatMap(parseChallenges).map(digestChallenge);
    const usable = parsed.filter((c): c is DigestChallenge => "realm" in c);
    if (usable.length === 0) {
      const why = parsed.map((c) => ("unanswerable" in c ? c.unanswerable : "")).join("; ");
      return {
        retry: false,
        reason: `${peer} answered ${status} with no challenge Belay can answer${why ? `: ${why}` : ""}`,
      };
    }
    const byRealm = new Map<string, DigestChallenge[]>();
    for (const c of usable) byRealm.set(c.realm, [...(byRealm.get(c.realm) ?? []), c]);
    const firstRealm = usable[0]?.realm ?? "";
    if (!credentials) {
      return {
        retry: false,
        realm: firstRealm,
        reason: `${peer} asks for authentication (${status}, realm "${firstRealm}") but no credentials are set (--sip-outbound-username and BELAY_SIP_OUTBOUND_PASSWORD)`,
      };
    }
    if (this.retries >= MAX_RETRIES) {
      return {
        retry: false,
        realm: firstRealm,
        reason: `${peer} challenged ${MAX_RETRIES} authenticated requests in a row (${status}, realm "${firstRealm}"): given up`,
      };
    }
    const sent =
      this.speculative && this.retries === 0
        ? new Set<string>()
        : (this.answered.get(cseqOf(response)?.seq ?? -1) ?? new Set<string>());
    for (const [realm, challenges] of byRealm) {
      const key = realmKey(status, realm);
      const challenge = preferred(challenges) as DigestChallenge;
      if (sent.has(key)) {
        if (!challenge.stale || this.staleUsed.has(key)) {
          return {
            retry: false,
            realm,
            reason: `${peer} refused the credentials of user "${credentials.username}" for realm "${realm}" (${status} ${response.reason})`,
          };
        }
        this.staleUsed.add(key);
      }
      this.session.remember(status, challenge);
    }
    // The retry answers every realm seen so far (RFC 3261 22.3: a proxy's too, not just the last).
    this.preemptive = true;
    this.retries++;
    return { retry: true };
  }
}

function realmKey(status: ChallengeStatus, realm: string): string {
  return `${status} ${realm}`;
}
