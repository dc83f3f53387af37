import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { LOG_REDACT } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";

/** The trunk's credentials and registration: variables under flags, pairs kept together, typos refused. */

test("no credentials and no registration by default; registrations ask for 3600 s", () => {
  const config = resolveConfig({}, {});
  assert.equal(config.sipOutboundUsername, undefined);
  assert.equal(config.sipOutboundPassword, undefined);
  assert.equal(config.sipRegister, undefined);
  assert.equal(config.sipRegisterExpiresSec, 3600);
});

test("BELAY_SIP_OUTBOUND_USERNAME/PASSWORD and BELAY_SIP_REGISTER(_EXPIRES) apply; options win", () => {
  const env = {
    BELAY_SIP_OUTBOUND_USERNAME: "alice",
    BELAY_SIP_OUTBOUND_PASSWORD: "from-the-environment",
    BELAY_SIP_REGISTER: "sip:sip.carrier.test",
    BELAY_SIP_REGISTER_EXPIRES: "600",
  };
  const fromEnv = resolveConfig({}, env);
  assert.equal(fromEnv.sipOutboundUsername, "alice");
  assert.equal(fromEnv.sipOutboundPassword, "from-the-environment");
  assert.equal(fromEnv.sipRegister, "sip:sip.carrier.test");
  assert.equal(fromEnv.sipRegisterExpiresSec, 600);
  const flags = resolveConfig({ sipOutboundUsername: "bob", sipRegisterExpiresSec: 120 }, env);
  assert.equal(flags.sipOutboundUsername, "bob");
  assert.equal(flags.sipOutboundPassword, "from-the-environment", "the password from the environment");
  assert.equal(flags.sipRegisterExpiresSec, 120);
});

test("mistakes stop Belay, and the message never shows the password", () => {
  for (const env of [
    { BELAY_SIP_OUTBOUND_USERNAME: "alice" },
    { BELAY_SIP_OUTBOUND_PASSWORD: "lonely-secret" },
    { BELAY_SIP_REGISTER: "sip.carrier.test" },
    { BELAY_SIP_REGISTER: "http://sip.carrier.test" },
    { BELAY_SIP_REGISTER: "sip:sip.carrier.test" },
    { BELAY_SIP_REGISTER: "sip:alice@sip.carrier.test", BELAY_SIP_REGISTER_EXPIRES: "0" },
  ]) {
    assert.throws(
      () => resolveConfig({}, env),
      (err: Error & { code?: string }) =>
        err.code === "CONFIG_INVALID" && !err.message.includes("lonely-secret"),
      JSON.stringify(env),
    );
  }
  // A registrar URI with its own user needs no user name.
  assert.equal(
    resolveConfig({}, { BELAY_SIP_REGISTER: "sip:alice@sip.carrier.test:5070" }).sipRegister,
    "sip:alice@sip.carrier.test:5070",
  );
});

test("Belay's logger redacts the trunk's password wherever a config object puts it", () => {
  const lines: string[] = [];
  const logger = pino({ redact: LOG_REDACT }, { write: (line: string) => lines.push(line) });
  const config = resolveConfig({ sipOutboundUsername: "alice", sipOutboundPassword: "hunter2-sip" }, {});
  logger.info({ config }, "config");
  logger.info(config, "flat");
  logger.info({ credentials: { username: "alice", password: "hunter2-sip" } }, "nested");
  assert.equal(lines.length, 3);
  for (const line of lines) assert.equal(line.includes("hunter2-sip"), false, line);
});
