/**
 * undici's connect step with the webhook target policy in it: the host is resolved here, every
 * address judged with the port, and the socket may connect only to the addresses allowed, so the
 * address checked is the address connected to (a DNS answer that changes between a check and the
 * connect cannot slip through). A refused target never gets a socket, so no packet leaves.
 */
import { promises as dns } from "node:dns";
import { isIP, type LookupFunction, type Socket } from "node:net";
import { buildConnector } from "undici";
import { BelayError } from "../errors.js";
import type { TargetVerdict, WebhookTargetPolicy } from "./target-policy.js";

export type RefusedVerdict = Extract<TargetVerdict, { allowed: false }>;

/** What a refused target fails with; `verdict` says which address and which rule. */
export class WebhookTargetRefused extends BelayError {
  readonly verdict: RefusedVerdict;

  constructor(verdict: RefusedVerdict) {
    super("WEBHOOK_TARGET_REFUSED", `refused by the webhook target policy: ${verdict.why}`, {
      address: verdict.address,
      port: verdict.port,
      rule: verdict.rule,
    });
    this.name = "WebhookTargetRefused";
    this.verdict = verdict;
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Turns a host name into its addresses, as the system resolver does (tests may stand in for DNS). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true });

export function guardedConnector(
  policy: WebhookTargetPolicy,
  resolve: Resolver = systemResolver,
): buildConnector.connector {
  const connectLiteral = buildConnector({});
  return (options, callback) => {
    const port = Number(options.port) || (options.protocol === "https:" ? 443 : 80);
    const connected = checkConnected(policy, port, callback);
    if (isIP(options.hostname) !== 0) {
      const verdict = policy.judge(options.hostname, port);
      if (!verdict.allowed) return callback(new WebhookTargetRefused(verdict), null);
      return connectLiteral(options, connected);
    }
    resolve(options.hostname).then(
      (addresses) => {
        const allowed: ResolvedAddress[] = [];
        let refusal: RefusedVerdict | undefined;
        for (const entry of addresses) {
          const verdict = policy.judge(entry.address, port);
          if (verdict.allowed) allowed.push(entry);
          else refusal ??= verdict;
        }
        if (allowed.length === 0) {
          const error = refusal
            ? new WebhookTargetRefused(refusal)
            : Object.assign(new Error(`no address for ${options.hostname}`), { code: "ENOTFOUND" });
          return callback(error, null);
        }
        // A connector of its own, whose lookup can only answer the addresses just judged; undici
        // still tries each of them in turn (IPv6 and IPv4) as it would after a plain lookup.
        buildConnector({ lookup: answering(allowed), autoSelectFamily: true })(options, connected);
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };
}

/** A lookup that answers `addresses`, whatever it is asked. */
function answering(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0] as ResolvedAddress;
    // net expects the answer later, as from the resolver.
    process.nextTick(() => {
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * The address the socket did connect to, judged once more before undici may use it: the checks
 * above decide where it connects, and this one proves it.
 */
function checkConnected(
  policy: WebhookTargetPolicy,
  port: number,
  callback: buildConnector.Callback,
): buildConnector.Callback {
  return (...args) => {
    const [err, socket] = args;
    if (err !== null) return callback(err, null);
    const remote = (socket as Socket).remoteAddress;
    const verdict = remote === undefined ? null : policy.judge(remote, socket.remotePort ?? port);
    if (verdict && !verdict.allowed) {
      socket.destroy();
      return callback(new WebhookTargetRefused(verdict), null);
    }
    callback(null, socket);
  };
}
