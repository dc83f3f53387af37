import assert from "node:assert/strict";
import { test } from "node:test";
import { outboundTarget } from "../../src/legs/sip/target.js";
import { resolveConfig } from "../../src/server/config.js";

/** The SIP settings: off unless asked for, BELAY_* variables under flags, typos refused. */

test("SIP is off by default outside `belay serve`, and the other SIP settings have their defaults", () => {
  const config = resolveConfig({}, {});
  assert.equal(config.sipPort, 0);
  assert.deepEqual(config.rtpPorts, { min: 10_000, max: 20_000 });
  assert.equal(config.maxCalls, 500);
  assert.equal(config.sipHost, undefined);
  assert.equal(config.sipOutbound, undefined);
});

test("BELAY_SIP_* variables apply, and options (flags) win over them", () => {
  const env = {
    BELAY_SIP_PORT: "5070",
    BELAY_SIP_HOST: "192.0.2.10",
    BELAY_RTP_PORTS: "30000-30999",
    BELAY_MAX_CALLS: "20",
    BELAY_SIP_OUTBOUND: "sip:{to}@127.0.0.1:5080",
  };
  const fromEnv = resolveConfig({}, env);
  assert.equal(fromEnv.sipPort, 5070);
  assert.equal(fromEnv.sipHost, "192.0.2.10");
  assert.deepEqual(fromEnv.rtpPorts, { min: 30_000, max: 30_999 });
  assert.equal(fromEnv.maxCalls, 20);
  assert.equal(fromEnv.sipOutbound, "sip:{to}@127.0.0.1:5080");
  const flags = resolveConfig({ sipPort: 0, maxCalls: 2 }, env);
  assert.equal(flags.sipPort, 0, "--sip-port 0 turns SIP off even when the variable is set");
  assert.equal(flags.maxCalls, 2);
});

test("mistakes stop Belay instead of falling back to a default", () => {
  for (const env of [
    { BELAY_SIP_PORT: "70000" },
    { BELAY_SIP_PORT: "five" },
    { BELAY_RTP_PORTS: "20000" },
    { BELAY_RTP_PORTS: "20000-10000" },
    { BELAY_RTP_PORTS: "80-90" },
    { BELAY_MAX_CALLS: "0" },
    { BELAY_SIP_OUTBOUND: "sip:127.0.0.1:5080" },
    { BELAY_SIP_OUTBOUND: "http://{to}" },
  ]) {
    assert.throws(() => resolveConfig({}, env), { code: "CONFIG_INVALID" }, JSON.stringify(env));
  }
});

test("BELAY_MEDIA_WORKERS sets the media worker threads, 0 to 64; options (flags) win over it", () => {
  assert.equal(resolveConfig({}, { BELAY_MEDIA_WORKERS: "0" }).mediaWorkers, 0, "0: RTP on the main thread");
  assert.equal(resolveConfig({}, { BELAY_MEDIA_WORKERS: "64" }).mediaWorkers, 64);
  assert.equal(resolveConfig({ mediaWorkers: 3 }, { BELAY_MEDIA_WORKERS: "0" }).mediaWorkers, 3);
  assert.ok(resolveConfig({}, {}).mediaWorkers >= 1, "one per core by default");
  for (const value of ["abc", "65", "-1", "1.5", " 2"]) {
    assert.throws(() => resolveConfig({}, { BELAY_MEDIA_WORKERS: value }), { code: "CONFIG_INVALID" }, value);
  }
  assert.throws(() => resolveConfig({ mediaWorkers: 65 }, {}), { code: "CONFIG_INVALID" });
});

test("the outbound target puts the number in the URI and sends to its host and port", () => {
  const target = outboundTarget(
    "sip:{to}@127.0.0.1:5080;transport=udp",
    "+15550003333",
    "+15550001111",
    "127.0.0.1",
  );
  assert.equal(target.uri, "sip:+15550003333@127.0.0.1:5080;transport=udp");
  assert.deepEqual(target.destination, { address: "127.0.0.1", port: 5080 });
  assert.equal(target.fromUri, "sip:+15550001111@127.0.0.1");
  assert.deepEqual(outboundTarget("sip:{to}@localhost", "123", "x y", "::1").destination, {
    address: "127.0.0.1",
    port: 5060,
  });
  assert.equal(outboundTarget("sip:{to}@localhost", "123", "x y", "::1").fromUri, "sip:anonymous@[::1]");
  assert.throws(() => outboundTarget("sip:{to}@127.0.0.1", "+1 555@evil", "+1", "127.0.0.1"), {
    code: "SIP_TARGET_INVALID",
  });
});
