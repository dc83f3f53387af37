/**
 * Where Belay may send a webhook (docs/operations/webhook-policy.md): an address and port are
 * judged after DNS resolution, by the connector that then connects to exactly that address.
 *
 * In order: Belay's own listening ports on any local address are always refused; then the
 * operator's ranges (--webhook-allow / --webhook-deny), the most specific range that holds the
 * address deciding, deny winning between ranges of the same size; then the built-in refusals
 * (link-local, cloud metadata, unspecified, multicast, broadcast, reserved); anything else
 * (public, private, loopback) is allowed.
 */
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import ipaddr from "ipaddr.js";
import { BelayError } from "../errors.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

interface Range {
  /** As written in logs: `169.254.169.254/32`. */
  cidr: string;
  network: Address;
  prefix: number;
}

/** What Belay refuses unless an operator range says otherwise. */
export const BUILT_IN_REFUSALS: ReadonlyArray<{ cidr: string; what: string }> = [
  { cidr: "0.0.0.0/8", what: "an unspecified address" },
  { cidr: "::/128", what: "an unspecified address" },
  { cidr: "169.254.0.0/16", what: "a link-local address" },
  { cidr: "fe80::/10", what: "a link-local address" },
  // AWS, Google Cloud, Azure, Oracle Cloud, OpenStack, DigitalOcean, Hetzner…
  { cidr: "169.254.169.254/32", what: "a cloud metadata address" },
  { cidr: "169.254.170.2/32", what: "a cloud metadata address (AWS ECS)" },
  { cidr: "fd00:ec2::254/128", what: "a cloud metadata address (AWS, IPv6)" },
  { cidr: "100.100.100.200/32", what: "a cloud metadata address (Alibaba Cloud)" },
  { cidr: "168.63.129.16/32", what: "a cloud platform address (Azure WireServer)" },
  { cidr: "224.0.0.0/4", what: "a multicast address" },
  { cidr: "ff00::/8", what: "a multicast address" },
  { cidr: "240.0.0.0/4", what: "a reserved address" },
  { cidr: "255.255.255.255/32", what: "the broadcast address" },
];

const BUILT_IN = BUILT_IN_REFUSALS.map(({ cidr, what }) => ({ range: parseRange("built in", cidr), what }));

/** IPv4 addresses embedded in IPv6 by NAT64's well-known prefix reach that IPv4 address. */
const NAT64 = parseRange("built in", "64:ff9b::/96");

export type TargetVerdict =
  | { allowed: true; address: string }
  | {
      allowed: false;
      /** The address judged: an IPv4-mapped or NAT64 address as its IPv4 address. */
      address: string;
      port: number;
      /** The rule that refused it: "built-in 169.254.169.254/32", "--webhook-deny 10.0.0.0/8", "own port". */
      rule: string;
      /** One sentence: "169.254.169.254 is a cloud metadata address (built-in 169.254.169.254/32)". */
      why: string;
    };

export interface TargetPolicyOptions {
  /** CIDR ranges or single addresses the operator allows (BELAY_WEBHOOK_ALLOW). */
  allow?: readonly string[];
  /** CIDR ranges or single addresses the operator refuses (BELAY_WEBHOOK_DENY). */
  deny?: readonly string[];
  /** This host's own addresses; read from its network interfaces at each judgement otherwise. */
  localAddresses?: () => readonly string[];
}

export class WebhookTargetPolicy {
  private readonly allow: Range[];
  private readonly deny: Range[];
  private readonly localAddresses: () => readonly string[];
  /** Belay's own listening ports and what listens there ("HTTP", "SIP"). */
  private readonly ownPorts = new Map<number, string>();

  constructor(options: TargetPolicyOptions = {}) {
    this.allow = (options.allow ?? []).map((text) => parseRange("--webhook-allow", text));
    this.deny = (options.deny ?? []).map((text) => parseRange("--webhook-deny", text));
    this.localAddresses = options.localAddresses ?? interfaceAddresses;
  }

  /** Belay listens on `port` (known once bound: port 0 gets its number then). */
  addOwnPort(port: number, what: string): void {
    if (port > 0) this.ownPorts.set(port, what);
  }

  judge(addressText: string, port: number): TargetVerdict {
    const address = judgedAddress(addressText);
    if (address === null) {
      return refused(addressText, port, "not an address", `${addressText} is not an IP address`);
    }
    const shown = address.toString();
    const own = this.ownPorts.get(port);
    if (own !== undefined && this.isLocal(address)) {
      return refused(shown, port, "own port", `${shown}:${port} is Belay's own ${own} port`);
    }
    const operator = mostSpecific(address, [
      ...this.deny.map((range) => ({ range, deny: true })),
      ...this.allow.map((range) => ({ range, deny: false })),
    ]);
    if (operator) {
      if (!operator.deny) return { allowed: true, address: shown };
      const rule = `--webhook-deny ${operator.range.cidr}`;
      return refused(shown, port, rule, `${shown} is in ${rule}`);
    }
    const builtIn = mostSpecific(
      address,
      BUILT_IN.map((entry) => ({ ...entry, deny: true })),
    );
    if (builtIn) {
      const rule = `built-in ${builtIn.range.cidr}`;
      return refused(shown, port, rule, `${shown} is ${builtIn.what} (${rule})`);
    }
    return { allowed: true, address: shown };
  }

  private isLocal(address: Address): boolean {
    const range = address.range();
    if (range === "loopback" || range === "unspecified") return true;
    // 0.0.0.0/8 reaches this host too.
    if (address.kind() === "ipv4" && (address as ipaddr.IPv4).octets[0] === 0) return true;
    const text = address.toNormalizedString();
    return this.localAddresses().some((local) => judgedAddress(local)?.toNormalizedString() === text);
  }
}

/** `10.0.0.0/8`, `fd00::/8`, or one address (`192.0.2.7` → /32); a mistake is CONFIG_INVALID. */
export function parseRange(what: string, text: string): Range {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const base = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? null : trimmed.slice(slash + 1);
  const family = isIP(base);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === null ? max : Number(prefixText);
  if (family === 0 || (prefixText !== null && !/^\d{1,3}$/.test(prefixText)) || prefix > max) {
    throw new BelayError(
      "CONFIG_INVALID",
      `${what} "${text}" is not an address range: write a CIDR range such as 10.0.0.0/8 or fd00::/8, or one address`,
    );
  }
  const network = ipaddr.parse(base);
  return { cidr: `${network.toString()}/${prefix}`, network, prefix };
}

/** A comma- or space-separated list of ranges, as BELAY_WEBHOOK_ALLOW / BELAY_WEBHOOK_DENY hold them. */
export function parseRangeList(what: string, text: string): string[] {
  const items = text.split(/[\s,]+/).filter((item) => item !== "");
  for (const item of items) parseRange(what, item);
  return items;
}

function refused(address: string, port: number, rule: string, why: string): TargetVerdict {
  return { allowed: false, address, port, rule, why };
}

/** The address a connection to `text` reaches: IPv4-mapped and NAT64 addresses as IPv4. */
function judgedAddress(text: string): Address | null {
  if (isIP(text) === 0) return null;
  const address = ipaddr.parse(text);
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
    if (v6.match(NAT64.network, NAT64.prefix)) {
      const bytes = v6.toByteArray().slice(12);
      return ipaddr.fromByteArray(bytes);
    }
  }
  return address;
}

function mostSpecific<T extends { range: Range; deny: boolean }>(
  address: Address,
  rules: T[],
): T | undefined {
  let best: T | undefined;
  for (const rule of rules) {
    if (rule.range.network.kind() !== address.kind()) continue;
    if (!address.match(rule.range.network, rule.range.prefix)) continue;
    // Longer prefix wins; at the same length a deny beats an allow (deny rules come first).
    if (best === undefined || rule.range.prefix > best.range.prefix) best = rule;
  }
  return best;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((info) => (info ? [info.address] : []));
}
