import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resolveConfig } from "../../src/server/config.js";
import { parseRangeList, WebhookTargetPolicy } from "../../src/webhooks/target-policy.js";

/** The host's own addresses as a test fixes them: one LAN address and one global IPv6 address. */
const HOST_ADDRESSES = ["127.0.0.1", "::1", "192.168.1.20", "2001:db8::20"];

function policy(options: { allow?: string[]; deny?: string[] } = {}): WebhookTargetPolicy {
  const p = new WebhookTargetPolicy({ ...options, localAddresses: () => HOST_ADDRESSES });
  p.addOwnPort(8080, "HTTP");
  p.addOwnPort(5060, "SIP");
  return p;
}

function ruleOf(p: WebhookTargetPolicy, address: string, port = 3000): string | null {
  const verdict = p.judge(address, port);
  return verdict.allowed ? null : verdict.rule;
}

describe("the built-in policy", () => {
  const p = policy();

  test("allows public, private, carrier-grade NAT and loopback addresses", () => {
    for (const address of [
      "203.0.113.7",
      "8.8.8.8",
      "10.1.2.3",
      "172.16.0.9",
      "192.168.1.50",
      "100.64.0.1",
      "127.0.0.1",
      "127.8.9.10",
      "::1",
      "fd12:3456::1",
      "2001:db8::99",
      "::ffff:10.1.2.3",
    ]) {
      assert.deepEqual(p.judge(address, 3000).allowed, true, address);
    }
  });

  test("refuses link-local, metadata, unspecified, multicast, broadcast and reserved addresses", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["169.254.169.254", "built-in 169.254.169.254/32", /cloud metadata/],
      ["169.254.170.2", "built-in 169.254.170.2/32", /cloud metadata address \(AWS ECS\)/],
      ["fd00:ec2::254", "built-in fd00:ec2::254/128", /cloud metadata address \(AWS, IPv6\)/],
      ["100.100.100.200", "built-in 100.100.100.200/32", /Alibaba/],
      ["168.63.129.16", "built-in 168.63.129.16/32", /Azure/],
      ["169.254.1.1", "built-in 169.254.0.0/16", /link-local/],
      ["fe80::1", "built-in fe80::/10", /link-local/],
      ["febf:ffff::1", "built-in fe80::/10", /link-local/],
      ["0.0.0.0", "built-in 0.0.0.0/8", /unspecified/],
      ["0.1.2.3", "built-in 0.0.0.0/8", /unspecified/],
      ["::", "built-in ::/128", /unspecified/],
      ["224.0.0.251", "built-in 224.0.0.0/4", /multicast/],
      ["ff02::1", "built-in ff00::/8", /multicast/],
      ["255.255.255.255", "built-in 255.255.255.255/32", /broadcast/],
      ["240.0.0.1", "built-in 240.0.0.0/4", /reserved/],
    ];
    for (const [address, rule, what] of cases) {
      const verdict = p.judge(address, 80);
      assert.equal(verdict.allowed, false, address);
      assert.ok(!verdict.allowed);
      assert.equal(verdict.rule, rule, address);
      assert.match(verdict.why, what, address);
      assert.equal(verdict.port, 80);
    }
  });

  test("IPv4-mapped and NAT64 addresses are judged as the IPv4 address they reach", () => {
    for (const address of ["::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "64:ff9b::169.254.169.254"]) {
      const verdict = p.judge(address, 80);
      assert.ok(!verdict.allowed, address);
      assert.equal(verdict.address, "169.254.169.254", address);
      assert.equal(verdict.rule, "built-in 169.254.169.254/32", address);
    }
    assert.equal(ruleOf(p, "::ffff:0.0.0.0"), "built-in 0.0.0.0/8");
  });

  test("what is not an IP address is refused", () => {
    assert.equal(ruleOf(p, "localhost"), "not an address");
  });
});

describe("Belay's own ports", () => {
  const p = policy();

  test("are refused on every spelling of a local address, and only there", () => {
    const local = [
      "127.0.0.1",
      "127.1.2.3",
      "::1",
      "0.0.0.0",
      "::",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "0:0:0:0:0:0:0:1",
      "192.168.1.20",
      "2001:db8::20",
      "::ffff:192.168.1.20",
    ];
    for (const address of local) {
      for (const [port, what] of [
        [8080, "HTTP"],
        [5060, "SIP"],
      ] as const) {
        const verdict = p.judge(address, port);
        assert.ok(!verdict.allowed, `${address}:${port}`);
        assert.equal(verdict.rule, "own port", `${address}:${port}`);
        assert.match(verdict.why, new RegExp(`Belay's own ${what} port`));
      }
    }
    // Another host on the LAN at Belay's port number, and the host itself on another port.
    assert.equal(p.judge("192.168.1.21", 8080).allowed, true);
    assert.equal(p.judge("127.0.0.1", 8081).allowed, true);
    assert.equal(p.judge("2001:db8::21", 5060).allowed, true);
  });

  test("a port is known from the moment it is added (port 0 is never one)", () => {
    const fresh = new WebhookTargetPolicy({ localAddresses: () => [] });
    fresh.addOwnPort(0, "HTTP");
    assert.equal(fresh.judge("127.0.0.1", 0).allowed, true);
    assert.equal(fresh.judge("127.0.0.1", 41234).allowed, true);
    fresh.addOwnPort(41234, "HTTP");
    assert.equal(ruleOf(fresh, "127.0.0.1", 41234), "own port");
  });

  test("no operator allow opens them", () => {
    const open = policy({ allow: ["0.0.0.0/0", "::/0", "127.0.0.1"] });
    assert.equal(ruleOf(open, "127.0.0.1", 8080), "own port");
    assert.equal(ruleOf(open, "::1", 5060), "own port");
  });
});

describe("operator ranges", () => {
  test("a deny refuses what the built-in policy allows", () => {
    const p = policy({ deny: ["127.0.0.0/8", "::1", "10.0.0.0/8"] });
    assert.equal(ruleOf(p, "127.0.0.1"), "--webhook-deny 127.0.0.0/8");
    assert.equal(ruleOf(p, "::ffff:127.0.0.1"), "--webhook-deny 127.0.0.0/8");
    assert.equal(ruleOf(p, "::1"), "--webhook-deny ::1/128");
    assert.equal(ruleOf(p, "10.200.0.1"), "--webhook-deny 10.0.0.0/8");
    assert.equal(p.judge("192.168.1.50", 3000).allowed, true);
  });

  test("an allow opens what the built-in policy refuses", () => {
    const p = policy({ allow: ["169.254.10.0/24"] });
    assert.equal(p.judge("169.254.10.5", 80).allowed, true);
    assert.equal(ruleOf(p, "169.254.11.5"), "built-in 169.254.0.0/16");
    assert.equal(ruleOf(p, "169.254.169.254"), "built-in 169.254.169.254/32");
  });

  test("the most specific range decides; for the same range, deny wins", () => {
    const onlyOneSubnet = policy({ deny: ["0.0.0.0/0", "::/0"], allow: ["10.1.2.0/24"] });
    assert.equal(onlyOneSubnet.judge("10.1.2.3", 3000).allowed, true);
    assert.equal(ruleOf(onlyOneSubnet, "10.1.3.3"), "--webhook-deny 0.0.0.0/0");
    assert.equal(ruleOf(onlyOneSubnet, "203.0.113.7"), "--webhook-deny 0.0.0.0/0");
    assert.equal(ruleOf(onlyOneSubnet, "2001:db8::99"), "--webhook-deny ::/0");

    const carveOut = policy({ allow: ["169.254.0.0/16"], deny: ["169.254.169.254/32"] });
    assert.equal(carveOut.judge("169.254.1.1", 80).allowed, true);
    assert.equal(ruleOf(carveOut, "169.254.169.254"), "--webhook-deny 169.254.169.254/32");

    const tie = policy({ allow: ["10.0.0.0/8"], deny: ["10.0.0.0/8"] });
    assert.equal(ruleOf(tie, "10.0.0.1"), "--webhook-deny 10.0.0.0/8");
  });

  test("IPv4 ranges hold IPv4 addresses, IPv6 ranges IPv6 ones", () => {
    const p = policy({ deny: ["fd00::/8"] });
    assert.equal(ruleOf(p, "fd12::1"), "--webhook-deny fd00::/8");
    assert.equal(p.judge("10.0.0.1", 3000).allowed, true);
  });

  test("a range that is not one is a configuration error naming it", () => {
    for (const bad of ["10.0.0.0/33", "fd00::/129", "example.com", "10.0.0/8", "10.0.0.0/x", "10.0.0.0/"]) {
      assert.throws(
        () => new WebhookTargetPolicy({ deny: [bad] }),
        (err: Error & { code?: string }) =>
          err.code === "CONFIG_INVALID" && err.message.includes(`--webhook-deny "${bad}"`),
        bad,
      );
    }
  });
});

describe("configuration", () => {
  test("none by default; BELAY_WEBHOOK_ALLOW / BELAY_WEBHOOK_DENY lists, options over the environment", () => {
    const defaults = resolveConfig({}, {});
    assert.deepEqual([defaults.webhookAllow, defaults.webhookDeny], [[], []]);
    const env = {
      BELAY_WEBHOOK_ALLOW: "169.254.10.0/24",
      BELAY_WEBHOOK_DENY: "10.0.0.0/8, fd00::/8 192.0.2.7",
    };
    const fromEnv = resolveConfig({}, env);
    assert.deepEqual(fromEnv.webhookAllow, ["169.254.10.0/24"]);
    assert.deepEqual(fromEnv.webhookDeny, ["10.0.0.0/8", "fd00::/8", "192.0.2.7"]);
    assert.deepEqual(resolveConfig({ webhookDeny: ["127.0.0.0/8"] }, env).webhookDeny, ["127.0.0.0/8"]);
    assert.throws(
      () => resolveConfig({}, { BELAY_WEBHOOK_DENY: "10.0.0.0/8,nonsense" }),
      /BELAY_WEBHOOK_DENY "nonsense" is not an address range/,
    );
    assert.throws(() => resolveConfig({ webhookAllow: ["1.2.3.4/40"] }, {}), /--webhook-allow "1.2.3.4\/40"/);
    assert.deepEqual(parseRangeList("x", " , "), []);
  });
});
