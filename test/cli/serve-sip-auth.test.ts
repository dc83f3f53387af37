import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import type { SipRequest } from "../../src/legs/sip/message/types.js";
import { responseFor } from "../../src/legs/sip/responses.js";
import { tempDir } from "../e2e/harness.js";
import { checkAnswer } from "../sip/digest-trunk.js";
import { freeUdpPort, UdpPeer } from "../sip/udp-peer.js";
import { describeRun, runCli, startCli } from "./run-cli.js";

/**
 * `belay serve` as a process with the trunk settings: the password from BELAY_SIP_OUTBOUND_PASSWORD,
 * the rest as flags. The registrar is a real UDP socket in this test, genuinely outside Belay.
 */

const PASSWORD = "serve-Pa55-from-env";
let folder: { dir: string; remove(): Promise<void> };

before(async () => {
  folder = await tempDir("serve-sip-auth");
});

after(async () => {
  await folder?.remove();
});

test("serve registers with the flags and the password from the environment, logs no password, un-registers on SIGTERM", async () => {
  const registrar = await UdpPeer.open();
  const sipPort = await freeUdpPort();
  const server = startCli(
    [
      "serve",
      "--data-dir",
      folder.dir,
      "--port",
      "0",
      "--sip-port",
      String(sipPort),
      "--log-level",
      "trace",
      "--sip-outbound-username",
      "serve-user",
      "--sip-register",
      `sip:127.0.0.1:${registrar.port}`,
      "--sip-register-expires",
      "120",
    ],
    { BELAY_SIP_OUTBOUND_PASSWORD: PASSWORD },
  );
  const register = async (seq: number) =>
    (
      await registrar.next(
        (r) => r.message.kind === "request" && r.message.headers.get("CSeq") === `${seq} REGISTER`,
        15_000,
        `REGISTER ${seq}`,
      )
    ).message as SipRequest;
  const reply = (request: SipRequest, status: number, headers: Record<string, string> = {}) =>
    registrar.send(
      serializeSipMessage(responseFor(request, status, undefined, { toTag: "r", headers })),
      sipPort,
    );
  try {
    const first = await register(1);
    assert.equal(first.headers.get("Expires"), "120");
    assert.equal(first.headers.get("To"), "<sip:serve-user@127.0.0.1>");
    reply(first, 401, {
      "WWW-Authenticate": 'Digest realm="serve.test", nonce="s1", algorithm=SHA-256, qop="auth"',
    });
    const second = await register(2);
    assert.equal(
      checkAnswer(
        second,
        "Authorization",
        { username: "serve-user", password: PASSWORD, realm: "serve.test" },
        { nonce: "s1", algorithm: "SHA-256", qop: true },
      ),
      undefined,
    );
    reply(second, 200, { Contact: `${second.headers.get("Contact")};expires=120` });
    await server.waitForStdout(/SIP registration in force/);
    server.child.kill("SIGTERM");
    const last = await register(3);
    assert.equal(last.headers.get("Expires"), "0");
    reply(last, 200);
    const exit = await server.exited;
    assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr);
    assert.match(exit.stdout, /SIP registration removed/);
    assert.equal(exit.stdout.includes(PASSWORD), false, "the password is in the log");
    assert.equal(exit.stderr.includes(PASSWORD), false, "the password is on stderr");
  } finally {
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
    await registrar.close();
  }
});

test("serve refuses a --sip-register-expires that is no number, and a password without a user name", async () => {
  const expires = await runCli(["serve", "--data-dir", folder.dir, "--sip-register-expires", "1h"]);
  assert.equal(expires.code, 2, describeRun(expires));
  assert.match(expires.stderr, /--sip-register-expires "1h" must be a whole number of seconds above 0/);
  const lonely = await runCli(["serve", "--data-dir", folder.dir, "--sip-port", "0"], {
    BELAY_SIP_OUTBOUND_PASSWORD: PASSWORD,
  });
  assert.notEqual(lonely.code, 0, describeRun(lonely));
  assert.match(lonely.stderr, /user name and password go together/);
  assert.equal(lonely.stderr.includes(PASSWORD), false);
});
