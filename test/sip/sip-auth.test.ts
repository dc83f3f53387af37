import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import type { SipRequest, SipResponse } from "../../src/legs/sip/message/types.js";
import { parseVia } from "../../src/legs/sip/message/via.js";
import { responseFor, tagOf } from "../../src/legs/sip/responses.js";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { authOf, type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { authParams, checkAnswer, type TrunkAccount } from "./digest-trunk.js";
import { LogCapture } from "./log-capture.js";
import { freeUdpPort, sdpOffer, UdpPeer } from "./udp-peer.js";

/**
 * POST /Calls through a trunk that authenticates. The trunk is a real UDP socket in this test,
 * genuinely outside Belay: it challenges with 401 or 407, recomputes the digest Belay sends from
 * the password it knows (digest-trunk.ts, not Belay's code), and answers. Belay runs with a log
 * capture at trace level, so the last test can look for the password in every line written.
 */

const ACCOUNT: TrunkAccount = {
  username: "belay-trunk",
  password: "s3cret-Pa55w0rd",
  realm: "sip.carrier.test",
};

let belay: Belay;
let removeData: () => Promise<void>;
let app: ScriptedApp;
let trunk: UdpPeer;
let sipPort: number;
const log = new LogCapture("trace");
/** Every digest response Belay sent: none may appear in the log either. */
const responsesSent: string[] = [];

before(async () => {
  app = await startScriptedApp({
    "/connect": () => ({ body: [{ Pause: { length: 100 } }, { Hangup: {} }] }),
    "/wait": () => ({ body: [{ Pause: { length: 60_000 } }] }),
  });
  trunk = await UdpPeer.open();
  sipPort = await freeUdpPort();
  const data = await tempDir("sip-auth");
  removeData = data.remove;
  belay = await createBelay(
    resolveConfig(
      {
        dataDir: data.dir,
        port: 0,
        sipPort,
        sipOutbound: `sip:{to}@127.0.0.1:${trunk.port}`,
        sipOutboundUsername: ACCOUNT.username,
        sipOutboundPassword: ACCOUNT.password,
      },
      {},
    ),
    log.logger,
  );
  await belay.listen();
});

after(async () => {
  await belay?.close();
  await removeData?.();
  await trunk?.close();
  await app?.close();
});

async function placeCall(to: string, path = "/connect", timeout = 30) {
  const response = await fetch(`${belay.publicUrl()}/apiserver/Accounts/${belay.account.accountId}/Calls`, {
    method: "POST",
    headers: { authorization: authOf(belay), "content-type": "application/json" },
    body: JSON.stringify({ from: "+15550001111", to, callConnectUrl: `${app.url}${path}`, timeout }),
  });
  assert.equal(response.status, 202, await response.clone().text());
  const { callId } = (await response.json()) as { callId: string };
  const ended = belay.engine.whenEnded(callId);
  assert.ok(ended, "the call is live");
  return { callId, ended: ended.then(({ status, reason }) => ({ status, reason })) };
}

function send(message: SipResponse): void {
  trunk.send(serializeSipMessage(message), sipPort);
}

function challenge(request: SipRequest, status: 401 | 407, values: string[]): void {
  const response = responseFor(request, status, undefined, { toTag: "trunk-challenge" });
  for (const value of values)
    response.headers.append(status === 401 ? "WWW-Authenticate" : "Proxy-Authenticate", value);
  send(response);
}

function answer(invite: SipRequest, status: number, sdp?: string): void {
  send(
    responseFor(invite, status, undefined, {
      toTag: "trunk-tag",
      headers: status < 300 ? { Contact: `<sip:trunk@${trunk.via}>` } : {},
      ...(sdp ? { body: { contentType: "application/sdp", bytes: Buffer.from(sdp) } } : {}),
    }),
  );
}

const branchOf = (m: SipRequest) => parseVia(m.headers.get("Via") as string).params.get("branch");
const invitesFor = (callId: string) =>
  trunk.log.filter(
    (r) =>
      r.message.kind === "request" &&
      r.message.method === "INVITE" &&
      r.message.headers.get("Call-ID") === callId,
  ).length;

/** Waits for the next request with `method` and records its digest response, if any. */
async function next(method: string): Promise<SipRequest> {
  const { message } = await trunk.request(method);
  for (const name of ["Authorization", "Proxy-Authorization"]) {
    const value = message.headers.get(name);
    if (value) responsesSent.push(authParams(value).response as string);
  }
  return message;
}

describe("a trunk that authenticates", () => {
  test("401 with SHA-256 and MD5 offered: the INVITE again with a SHA-256 answer, then the call connects", async () => {
    const { ended } = await placeCall("+15550008001");
    const first = await next("INVITE");
    assert.equal(first.headers.has("Authorization"), false);
    challenge(first, 401, [
      `Digest realm="${ACCOUNT.realm}", nonce="md5-nonce", algorithm=MD5, qop="auth"`,
      `Digest realm="${ACCOUNT.realm}", nonce="sha-nonce", algorithm=SHA-256, qop="auth,auth-int", opaque="op/aque=1"`,
    ]);
    const ack = await next("ACK");
    assert.equal(branchOf(ack), branchOf(first), "the 401 is ACKed in the INVITE's transaction");
    assert.equal(ack.headers.get("CSeq"), "1 ACK");
    const second = await next("INVITE");
    assert.equal(second.headers.get("Call-ID"), first.headers.get("Call-ID"));
    assert.equal(tagOf(second.headers.get("From")), tagOf(first.headers.get("From")));
    assert.equal(tagOf(second.headers.get("To")), undefined, "no To tag: still outside a dialog");
    assert.equal(second.headers.get("CSeq"), "2 INVITE");
    assert.notEqual(branchOf(second), branchOf(first));
    assert.equal(second.uri, first.uri);
    assert.deepEqual(second.body, first.body, "the same offer");
    assert.equal(
      checkAnswer(second, "Authorization", ACCOUNT, {
        nonce: "sha-nonce",
        algorithm: "SHA-256",
        qop: true,
        opaque: "op/aque=1",
      }),
      undefined,
    );
    assert.equal(authParams(second.headers.get("Authorization") as string).algorithm, "SHA-256");
    answer(second, 200, sdpOffer(40_300, { formats: "0 101" }));
    const ack2 = await next("ACK");
    assert.equal(ack2.headers.get("CSeq"), "2 ACK");
    const connect = await app.nextHit("/connect");
    assert.equal(connect.body.callStatus, "inProgress");
    const bye = await next("BYE");
    assert.equal(bye.headers.get("CSeq"), "3 BYE", "the dialog's CSeq goes on from the authenticated INVITE");
    send(responseFor(bye, 200));
    assert.deepEqual(await ended, { status: "completed", reason: "appHangup" });
  });

  test("407 with MD5 and no qop: Proxy-Authorization in RFC 2069 form", async () => {
    const { ended } = await placeCall("+15550008002");
    const first = await next("INVITE");
    challenge(first, 407, [`Digest realm="${ACCOUNT.realm}", nonce="proxy-nonce"`]);
    await next("ACK");
    const second = await next("INVITE");
    assert.equal(second.headers.has("Authorization"), false);
    assert.equal(
      checkAnswer(second, "Proxy-Authorization", ACCOUNT, {
        nonce: "proxy-nonce",
        algorithm: "MD5",
        qop: false,
      }),
      undefined,
    );
    assert.equal(authParams(second.headers.get("Proxy-Authorization") as string).algorithm, undefined);
    answer(second, 200, sdpOffer(40_302, { formats: "0 101" }));
    await next("ACK");
    const bye = await next("BYE");
    send(responseFor(bye, 200));
    assert.deepEqual(await ended, { status: "completed", reason: "appHangup" });
  });

  test("a wrong password: the second challenge ends the call failed, after exactly one authenticated INVITE", async () => {
    const { callId, ended } = await placeCall("+15550008003");
    const first = await next("INVITE");
    challenge(first, 401, [`Digest realm="${ACCOUNT.realm}", nonce="n1", qop="auth"`]);
    await next("ACK");
    const second = await next("INVITE");
    // The trunk's password differs: the answer is wrong, and it challenges again.
    assert.notEqual(
      checkAnswer(
        second,
        "Authorization",
        { ...ACCOUNT, password: "what-the-trunk-has" },
        {
          nonce: "n1",
          algorithm: "MD5",
          qop: true,
        },
      ),
      undefined,
    );
    challenge(second, 401, [`Digest realm="${ACCOUNT.realm}", nonce="n2", qop="auth"`]);
    // Belay ACKs the second 401 before it decides, so any third INVITE would come after this ACK.
    const ack = await next("ACK");
    assert.equal(ack.headers.get("CSeq"), "2 ACK");
    assert.deepEqual(await ended, { status: "failed", reason: "failed" });
    assert.equal(invitesFor(first.headers.get("Call-ID") as string), 2, "one authenticated INVITE, no loop");
    const line = await log.line((l) => String(l.msg).startsWith("SIP authentication failed"));
    assert.equal(line.realm, ACCOUNT.realm);
    assert.equal(line.trunk, `the trunk at 127.0.0.1:${trunk.port}`);
    assert.equal(line.callId, callId);
    assert.equal(
      line.msg,
      `SIP authentication failed: the trunk at 127.0.0.1:${trunk.port} refused the credentials of user "${ACCOUNT.username}" for realm "${ACCOUNT.realm}" (401 Unauthorized)`,
    );
    // The engine's own line for the failed call carries the same message.
    await log.line(
      (l) => l.callId === callId && l.level === 40 && String(l.msg).includes("refused the credentials"),
    );
  });

  test("stale=true gets exactly one more INVITE, with the new nonce and nc 1", async () => {
    const { ended } = await placeCall("+15550008004");
    const first = await next("INVITE");
    challenge(first, 401, [`Digest realm="${ACCOUNT.realm}", nonce="old", algorithm=SHA-256, qop="auth"`]);
    await next("ACK");
    const second = await next("INVITE");
    challenge(second, 401, [
      `Digest realm="${ACCOUNT.realm}", nonce="fresh", algorithm=SHA-256, qop="auth", stale=true`,
    ]);
    await next("ACK");
    const third = await next("INVITE");
    assert.equal(third.headers.get("CSeq"), "3 INVITE");
    assert.equal(
      checkAnswer(third, "Authorization", ACCOUNT, { nonce: "fresh", algorithm: "SHA-256", qop: true }),
      undefined,
    );
    assert.equal(authParams(third.headers.get("Authorization") as string).nc, "00000001");
    // stale=true again: not a second time.
    challenge(third, 401, [
      `Digest realm="${ACCOUNT.realm}", nonce="fresher", algorithm=SHA-256, qop="auth", stale=true`,
    ]);
    await next("ACK");
    assert.deepEqual(await ended, { status: "failed", reason: "failed" });
    assert.equal(invitesFor(first.headers.get("Call-ID") as string), 3);
  });

  test("a CANCEL of the authenticated INVITE carries its CSeq and branch (RFC 3261 9.1)", async () => {
    const { ended } = await placeCall("+15550008005", "/connect", 1);
    const first = await next("INVITE");
    challenge(first, 407, [`Digest realm="${ACCOUNT.realm}", nonce="c1", qop="auth"`]);
    await next("ACK");
    const second = await next("INVITE");
    answer(second, 180);
    const cancel = await next("CANCEL");
    assert.equal(cancel.headers.get("CSeq"), "2 CANCEL");
    assert.equal(branchOf(cancel), branchOf(second));
    assert.equal(cancel.uri, second.uri);
    send(responseFor(cancel, 200));
    answer(second, 487);
    const ack = await next("ACK");
    assert.equal(ack.headers.get("CSeq"), "2 ACK");
    assert.deepEqual(await ended, { status: "noAnswer", reason: "noAnswer" });
  });

  test("a challenged BYE is sent once more with credentials, the next CSeq", async () => {
    const { ended } = await placeCall("+15550008006");
    const invite = await next("INVITE");
    answer(invite, 200, sdpOffer(40_304, { formats: "0 101" }));
    await next("ACK");
    const bye = await next("BYE");
    assert.equal(bye.headers.get("CSeq"), "2 BYE");
    challenge(bye, 407, [`Digest realm="${ACCOUNT.realm}", nonce="bye-nonce", algorithm=SHA-256`]);
    const again = await next("BYE");
    assert.equal(again.headers.get("CSeq"), "3 BYE");
    assert.notEqual(branchOf(again), branchOf(bye));
    assert.equal(
      checkAnswer(again, "Proxy-Authorization", ACCOUNT, {
        nonce: "bye-nonce",
        algorithm: "SHA-256",
        qop: false,
      }),
      undefined,
    );
    send(responseFor(again, 200));
    assert.deepEqual(await ended, { status: "completed", reason: "appHangup" });
  });

  test("the password and the computed responses are in no log line", () => {
    assert.ok(log.lines.length > 20, "the capture saw the calls");
    assert.ok(responsesSent.length >= 6, "responses were sent");
    const text = log.lines.map((l) => JSON.stringify(l)).join("\n");
    assert.equal(text.includes(ACCOUNT.password), false, "the password was logged");
    for (const response of responsesSent)
      assert.equal(text.includes(response), false, "a response was logged");
  });
});
