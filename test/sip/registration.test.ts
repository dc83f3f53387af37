import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DigestSession } from "../../src/legs/sip/auth/digest-session.js";
import { parseSipMessage } from "../../src/legs/sip/message/parse.js";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import type { SipRequest, SipResponse } from "../../src/legs/sip/message/types.js";
import { Registration } from "../../src/legs/sip/registration.js";
import { responseFor } from "../../src/legs/sip/responses.js";
import { RFC3261_TIMERS } from "../../src/legs/sip/timers.js";
import { TransactionLayer } from "../../src/legs/sip/transaction-layer.js";
import type { DatagramSink, Endpoint } from "../../src/legs/sip/transport.js";
import { createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { tempDir } from "../e2e/harness.js";
import { authParams, checkAnswer, type TrunkAccount } from "./digest-trunk.js";
import { LogCapture } from "./log-capture.js";
import { freeUdpPort, UdpPeer } from "./udp-peer.js";

const ACCOUNT: TrunkAccount = { username: "15550009999", password: "reg-Pa55-w0rd", realm: "registrar.test" };
const REGISTRAR: Endpoint = { address: "127.0.0.1", port: 5999 };

type Handler = (request: SipRequest, index: number) => SipResponse | undefined;

/**
 * The registrar, in memory: it sits where the UDP socket would and answers each REGISTER after the
 * current microtasks, so the SimulatedClock can run hours of refreshes in milliseconds. It stands
 * for a carrier's registrar, genuinely outside Belay; the real-socket test below uses UDP.
 */
class Registrar implements DatagramSink {
  readonly requests: Array<{ at: number; request: SipRequest }> = [];
  layer: TransactionLayer | undefined;
  private waiter: { count: number; resolve: () => void } | undefined;

  constructor(
    private readonly clock: SimulatedClock,
    private readonly handler: Handler,
  ) {}

  send(bytes: Buffer, to: Endpoint): void {
    const message = parseSipMessage(bytes);
    if (message.kind !== "request") return;
    this.requests.push({ at: this.clock.now(), request: message });
    const response = this.handler(message, this.requests.length - 1);
    if (response) queueMicrotask(() => this.layer?.receive(serializeSipMessage(response), to));
    if (this.waiter && this.requests.length >= this.waiter.count) {
      this.waiter.resolve();
      this.waiter = undefined;
    }
  }

  /** Resolves once `count` REGISTERs came; the test resumes before simulated time moves on. */
  seen(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = { count, resolve };
    });
  }
}

function setUp(handler: Handler, options: { expiresSec?: number; password?: string } = {}) {
  const clock = new SimulatedClock(0);
  const log = new LogCapture("debug");
  const registrar = new Registrar(clock, handler);
  const layer = new TransactionLayer({
    transport: registrar,
    codec: { parse: parseSipMessage, serialize: serializeSipMessage },
    clock,
    timers: RFC3261_TIMERS,
    logger: log.logger,
    sentBy: { host: "127.0.0.1", port: 5098 },
  });
  registrar.layer = layer;
  const registration = new Registration(
    {
      registrar: `sip:${REGISTRAR.address}:${REGISTRAR.port}`,
      expiresSec: options.expiresSec ?? 3600,
      username: ACCOUNT.username,
    },
    {
      layer,
      clock,
      logger: log.logger,
      advertise: { host: "127.0.0.1", port: 5098 },
      auth: new DigestSession(
        { username: ACCOUNT.username, password: options.password ?? ACCOUNT.password },
        "the registrar sip:127.0.0.1:5999",
      ),
    },
  );
  return { clock, log, registrar, layer, registration };
}

function challenge(request: SipRequest, nonce: string, extra = ""): SipResponse {
  const response = responseFor(request, 401, undefined, { toTag: "reg" });
  response.headers.append(
    "WWW-Authenticate",
    `Digest realm="${ACCOUNT.realm}", nonce="${nonce}", qop="auth"${extra}`,
  );
  return response;
}

function ok(request: SipRequest, expires: number): SipResponse {
  return responseFor(request, 200, undefined, {
    toTag: "reg",
    headers: { Contact: `${request.headers.get("Contact")};expires=${expires}` },
  });
}

const cseq = (r: SipRequest) => r.headers.get("CSeq");
const seconds = (at: number) => at / 1000;

describe("registration at a registrar (simulated clock)", () => {
  test("challenge answered, refreshed before expiry with the same Call-ID, a stale nonce renewed, removed at stop", async () => {
    const { registrar, registration } = setUp((request, i) => {
      const nonce = i < 3 ? "nonce-a" : "nonce-b";
      if (i === 0) return challenge(request, "nonce-a");
      if (i === 2) return challenge(request, "nonce-b", ", stale=true");
      const problem = checkAnswer(request, "Authorization", ACCOUNT, { nonce, algorithm: "MD5", qop: true });
      if (problem) return responseFor(request, 403, problem);
      return ok(request, i === 3 ? 1800 : 3600);
    });
    registration.start();
    await registrar.seen(5);
    const [first, second, third, fourth, fifth] = registrar.requests as Array<{
      at: number;
      request: SipRequest;
    }>;
    assert.ok(first && second && third && fourth && fifth);
    assert.equal(
      first.request.uri,
      "sip:127.0.0.1:5999",
      "the Request-URI names the registrar's domain, no user",
    );
    assert.equal(first.request.headers.get("To"), `<sip:${ACCOUNT.username}@127.0.0.1>`);
    assert.equal(first.request.headers.get("Contact"), `<sip:${ACCOUNT.username}@127.0.0.1:5098>`);
    assert.equal(first.request.headers.get("Expires"), "3600");
    assert.equal(first.request.headers.has("Authorization"), false);
    assert.deepEqual(
      registrar.requests.map((r) => [seconds(r.at), cseq(r.request)]),
      [
        [0, "1 REGISTER"],
        [0, "2 REGISTER"],
        // 60 s before the granted 3600 s run out; the cached nonce, counted on.
        [3540, "3 REGISTER"],
        [3540, "4 REGISTER"],
        // The registrar granted 1800 s that time.
        [3540 + 1740, "5 REGISTER"],
      ],
    );
    const callIds = new Set(registrar.requests.map((r) => r.request.headers.get("Call-ID")));
    assert.equal(callIds.size, 1, "one Call-ID for the registration's life");
    assert.equal(authParams(third.request.headers.get("Authorization") as string).nc, "00000002");
    assert.equal(authParams(fourth.request.headers.get("Authorization") as string).nonce, "nonce-b");
    assert.equal(registration.isRegistered, true);
    await registration.stop();
    const last = registrar.requests.at(-1)?.request as SipRequest;
    assert.equal(last.headers.get("Expires"), "0");
    assert.equal(last.headers.get("Contact"), first.request.headers.get("Contact"));
    assert.equal(cseq(last), "6 REGISTER");
    assert.equal(registration.isRegistered, false);
  });

  test("a wrong password: logged with the realm, retried after 30 s, 60 s, 120 s… never in a tight loop", async () => {
    let nonces = 0;
    const { registrar, registration, log } = setUp((request) => challenge(request, `n${nonces++}`), {
      password: "not-the-registrar's",
    });
    registration.start();
    await registrar.seen(12);
    await registration.stop();
    assert.deepEqual(
      registrar.requests.slice(0, 12).map((r) => seconds(r.at)),
      [0, 0, 30, 30, 90, 90, 210, 210, 450, 450, 930, 930],
      "each round is one REGISTER and one authenticated retry; the rounds back off",
    );
    const failures = log.lines.filter((l) => String(l.msg).startsWith("SIP registration failed"));
    assert.deepEqual(
      failures.slice(0, 5).map((l) => l.retryInSec),
      [30, 60, 120, 240, 480],
    );
    assert.equal(
      failures[0]?.msg,
      `SIP registration failed: the registrar sip:127.0.0.1:5999 refused the credentials of user "${ACCOUNT.username}" for realm "${ACCOUNT.realm}" (401 Unauthorized)`,
    );
    const text = log.lines.map((l) => JSON.stringify(l)).join("\n");
    assert.equal(text.includes("not-the-registrar's"), false, "the password was logged");
  });

  test("423 Interval Too Brief: asked again once with Min-Expires", async () => {
    const { registrar, registration } = setUp(
      (request, i) =>
        i === 0
          ? responseFor(request, 423, undefined, { toTag: "reg", headers: { "Min-Expires": "7200" } })
          : ok(request, 7200),
      { expiresSec: 600 },
    );
    registration.start();
    await registrar.seen(3);
    await registration.stop();
    assert.deepEqual(
      registrar.requests.map((r) => [seconds(r.at), r.request.headers.get("Expires")]).slice(0, 3),
      [
        [0, "600"],
        [0, "7200"],
        [7140, "600"],
      ],
    );
  });
});

describe("belay serve --sip-register (real UDP)", () => {
  test("registers through a challenge, refreshes before the granted 2 s run out, un-registers at close", async () => {
    // The registrar is a real UDP socket in the test, genuinely outside Belay.
    const registrar = await UdpPeer.open();
    const sipPort = await freeUdpPort();
    const data = await tempDir("sip-register");
    const log = new LogCapture("trace");
    const belay = await createBelay(
      resolveConfig(
        {
          dataDir: data.dir,
          port: 0,
          sipPort,
          sipRegister: `sip:127.0.0.1:${registrar.port}`,
          sipOutboundUsername: ACCOUNT.username,
          sipOutboundPassword: ACCOUNT.password,
        },
        {},
      ),
      log.logger,
    );
    let closed = false;
    try {
      const reply = (response: SipResponse) => registrar.send(serializeSipMessage(response), sipPort);
      // Retransmissions (timer E) of a REGISTER may queue up while Belay starts: each is waited for by CSeq.
      const register = async (seq: number, timeoutMs = 5000) =>
        (
          await registrar.next(
            (r) => r.message.kind === "request" && r.message.headers.get("CSeq") === `${seq} REGISTER`,
            timeoutMs,
            `REGISTER ${seq}`,
          )
        ).message as SipRequest;
      const first = await register(1);
      assert.equal(first.headers.get("Expires"), "3600", "--sip-register-expires' default");
      reply(challenge(first, "udp-nonce"));
      const second = await register(2);
      assert.equal(
        checkAnswer(second, "Authorization", ACCOUNT, { nonce: "udp-nonce", algorithm: "MD5", qop: true }),
        undefined,
      );
      const grantedAt = Date.now();
      reply(ok(second, 2));
      await log.line((l) => l.msg === "SIP registration in force");
      const refresh = await register(3);
      const after = Date.now() - grantedAt;
      assert.ok(after >= 900 && after < 2000, `refreshed ${after} ms after a 2 s grant (due at 1 s)`);
      assert.equal(refresh.headers.get("CSeq"), "3 REGISTER");
      assert.equal(refresh.headers.get("Call-ID"), first.headers.get("Call-ID"));
      assert.equal(
        checkAnswer(refresh, "Authorization", ACCOUNT, { nonce: "udp-nonce", algorithm: "MD5", qop: true }),
        undefined,
      );
      reply(ok(refresh, 3600));
      await log.line((l) => l.msg === "SIP registration refreshed");
      const closing = belay.close();
      closed = true;
      const bye = await register(4);
      assert.equal(bye.headers.get("Expires"), "0");
      reply(ok(bye, 0));
      await closing;
      await log.line((l) => l.msg === "SIP registration removed");
      const text = log.lines.map((l) => JSON.stringify(l)).join("\n");
      assert.equal(text.includes(ACCOUNT.password), false, "the password was logged");
    } finally {
      if (!closed) await belay.close();
      await data.remove();
      await registrar.close();
    }
  });
});
