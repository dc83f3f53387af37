import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import type { ClientTransactionUser } from "../../src/legs/sip/client-transaction.js";
import { createHeaders } from "../../src/legs/sip/message/headers.js";
import { parseSipMessage } from "../../src/legs/sip/message/parse.js";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import type { SipMessage, SipRequest, SipResponse } from "../../src/legs/sip/message/types.js";
import { parseVia } from "../../src/legs/sip/message/via.js";
import { responseFor } from "../../src/legs/sip/responses.js";
import type { ServerTransaction } from "../../src/legs/sip/server-transaction.js";
import { RFC3261_TIMERS } from "../../src/legs/sip/timers.js";
import { TransactionLayer, type TransactionUser } from "../../src/legs/sip/transaction-layer.js";
import type { Endpoint } from "../../src/legs/sip/transport.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { peerRequest, sipText } from "./sip-text.js";

/**
 * RFC 3261's transactions over an in-memory wire on simulated time: every retransmission is
 * stamped with the simulated moment it left, so the T1-doubling schedule is asserted exactly.
 */

const PEER: Endpoint = { address: "127.0.0.1", port: 5070 };
const T1 = RFC3261_TIMERS.t1;

interface Sent {
  at: number;
  to: Endpoint;
  message: SipMessage;
}

function setup() {
  const clock = new SimulatedClock(1_000_000);
  const start = clock.now();
  const sent: Sent[] = [];
  const layer = new TransactionLayer({
    transport: {
      send: (bytes, to) => sent.push({ at: clock.now() - start, to, message: parseSipMessage(bytes) }),
    },
    codec: { parse: parseSipMessage, serialize: serializeSipMessage },
    clock,
    timers: RFC3261_TIMERS,
    logger: pino({ level: "silent" }),
    sentBy: { host: "127.0.0.1", port: 5060 },
  });
  const requests: Array<{ request: SipRequest; transaction: ServerTransaction }> = [];
  const acks: SipRequest[] = [];
  const user: TransactionUser = {
    request: (request, transaction) => requests.push({ request, transaction }),
    cancel: (request, transaction, invite) => {
      transaction.respond(responseFor(request, invite ? 200 : 481));
    },
    ack: (request) => acks.push(request),
    stray2xx: () => undefined,
  };
  layer.setUser(user);
  const deliver = (bytes: Buffer, from: Endpoint = PEER) => layer.receive(bytes, from);
  /** Runs `fn` at simulated time `at` ms after start. */
  const at = (ms: number, fn: () => void) => clock.setTimeout(fn, start + ms - clock.now());
  /** Lets simulated time run until nothing is scheduled before `ms`. */
  const until = (ms: number) => clock.sleep(start + ms - clock.now());
  return { clock, layer, sent, requests, acks, deliver, at, until };
}

const invite = (branch = "z9hG4bK-inv-1") =>
  peerRequest({
    method: "INVITE",
    uri: "sip:+15550002222@127.0.0.1:5060",
    branch,
    callId: "call-1@peer",
    fromTag: "peer-tag",
    cseq: 1,
    via: "127.0.0.1:5070",
  });

const statuses = (sent: Sent[]) =>
  sent.map((s) => (s.message.kind === "response" ? s.message.status : s.message.method));

describe("INVITE server transaction", () => {
  test("a 2xx is retransmitted at T1, 2T1, 4T1… capped at T2 until the dialog reports the ACK", async () => {
    const t = setup();
    t.deliver(invite());
    const [{ request, transaction }] = t.requests as [(typeof t.requests)[0]];
    transaction.respond(responseFor(request, 100));
    transaction.respond(responseFor(request, 180, undefined, { toTag: "belay" }));
    transaction.respond(responseFor(request, 200, undefined, { toTag: "belay" }));
    t.at(13_000, () => (transaction as { acknowledged(): void }).acknowledged());
    // A late copy of the INVITE after the ACK: absorbed, not answered, not a new request.
    t.at(14_000, () => t.deliver(invite()));
    await t.until(40_000);
    assert.deepEqual(statuses(t.sent), [100, 180, 200, 200, 200, 200, 200, 200]);
    assert.deepEqual(
      t.sent.filter((s) => s.message.kind === "response" && s.message.status === 200).map((s) => s.at),
      [0, T1, 3 * T1, 7 * T1, 7 * T1 + 4000, 7 * T1 + 8000],
    );
    assert.equal(t.layer.size.server, 0, "the transaction ended 64*T1 after the 2xx (RFC 6026 timer L)");
  });

  test("a 2xx never acknowledged gives up after 64*T1 and says so", async () => {
    const t = setup();
    t.deliver(invite());
    const [{ request, transaction }] = t.requests as [(typeof t.requests)[0]];
    let timedOutAt: number | undefined;
    const started = t.clock.now();
    (transaction as { onAckTimeout(h: () => void): void }).onAckTimeout(() => {
      timedOutAt = t.clock.now() - started;
    });
    transaction.respond(responseFor(request, 200, undefined, { toTag: "belay" }));
    await t.until(60_000);
    assert.equal(timedOutAt, 64 * T1);
    const last = t.sent.at(-1);
    assert.ok(last && last.at < 64 * T1, "no retransmission after giving up");
  });

  test("a retransmitted INVITE gets the last response again and reaches the user once", async () => {
    const t = setup();
    t.deliver(invite());
    const [{ request, transaction }] = t.requests as [(typeof t.requests)[0]];
    transaction.respond(responseFor(request, 180, undefined, { toTag: "belay" }));
    t.deliver(invite());
    t.deliver(invite());
    assert.equal(t.requests.length, 1);
    assert.deepEqual(statuses(t.sent), [180, 180, 180]);
  });

  test("a non-2xx final is retransmitted until its ACK (same branch), which the transaction absorbs", async () => {
    const t = setup();
    t.deliver(invite());
    const [{ request, transaction }] = t.requests as [(typeof t.requests)[0]];
    transaction.respond(responseFor(request, 486, undefined, { toTag: "belay" }));
    const ack = peerRequest({
      method: "ACK",
      uri: "sip:+15550002222@127.0.0.1:5060",
      branch: "z9hG4bK-inv-1",
      callId: "call-1@peer",
      fromTag: "peer-tag",
      to: "<sip:+15550002222@127.0.0.1:5060>;tag=belay",
      cseq: 1,
      via: "127.0.0.1:5070",
    });
    t.at(3 * T1 + 100, () => t.deliver(ack));
    t.at(3 * T1 + 200, () => t.deliver(ack));
    await t.until(40_000);
    assert.deepEqual(statuses(t.sent), [486, 486, 486]);
    assert.deepEqual(
      t.sent.map((s) => s.at),
      [0, T1, 3 * T1],
    );
    assert.equal(t.acks.length, 0, "the ACK of a failure never reaches the user");
    assert.equal(t.layer.size.server, 0, "timer I ended it");
  });
});

describe("non-INVITE server transaction", () => {
  test("retransmissions get the cached final response; the user sees the request once", async () => {
    const t = setup();
    const bye = peerRequest({
      method: "BYE",
      uri: "sip:belay@127.0.0.1:5060",
      branch: "z9hG4bK-bye-1",
      callId: "call-1@peer",
      fromTag: "peer-tag",
      to: "<sip:+15550002222@127.0.0.1>;tag=belay",
      cseq: 2,
      via: "127.0.0.1:5070",
    });
    t.deliver(bye);
    const [{ request, transaction }] = t.requests as [(typeof t.requests)[0]];
    transaction.respond(responseFor(request, 200));
    t.at(1000, () => t.deliver(bye));
    t.at(5000, () => t.deliver(bye));
    await t.until(31_000);
    assert.equal(t.requests.length, 1);
    assert.deepEqual(
      t.sent.map((s) => [s.at, (s.message as SipResponse).status]),
      [
        [0, 200],
        [1000, 200],
        [5000, 200],
      ],
    );
    assert.equal(t.layer.size.server, 1, "kept for 64*T1");
    await t.until(64 * T1 + 1);
    assert.equal(t.layer.size.server, 0, "timer J ended it");
  });
});

describe("transport rules", () => {
  test("rport and received are filled in the top Via and the response goes to the source", () => {
    const t = setup();
    const natted: Endpoint = { address: "127.0.0.1", port: 40_000 };
    t.deliver(invite(), natted);
    const [{ request, transaction }] = t.requests as [(typeof t.requests)[0]];
    const via = parseVia(request.headers.getAll("Via")[0] as string);
    assert.equal(via.params.get("rport"), "40000");
    assert.equal(via.params.get("received"), "127.0.0.1");
    transaction.respond(responseFor(request, 100));
    assert.deepEqual(t.sent[0]?.to, natted);
  });

  test("without rport the response goes to the source address and the Via's port; a received= the peer wrote is replaced", () => {
    const t = setup();
    const forged = sipText("OPTIONS sip:belay@127.0.0.1 SIP/2.0", [
      "Via: SIP/2.0/UDP phone.example:5072;branch=z9hG4bK-forged;received=203.0.113.9",
      "From: <sip:a@127.0.0.1>;tag=x",
      "To: <sip:belay@127.0.0.1>",
      "Call-ID: forged@peer",
      "CSeq: 1 OPTIONS",
    ]);
    t.deliver(forged, { address: "127.0.0.1", port: 40_001 });
    const [{ request, transaction }] = t.requests as [(typeof t.requests)[0]];
    assert.equal(parseVia(request.headers.getAll("Via")[0] as string).params.get("received"), "127.0.0.1");
    transaction.respond(responseFor(request, 200));
    assert.deepEqual(t.sent[0]?.to, { address: "127.0.0.1", port: 5072 });
  });

  test("a malformed request that can be routed is answered 400 with the parser's reason", () => {
    const t = setup();
    const bad = sipText("INVITE sip:+15550002222@127.0.0.1 SIP/2.0", [
      "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-bad;rport",
      "From: <sip:a@127.0.0.1>;tag=x",
      "To: <sip:+15550002222@127.0.0.1>",
      "Call-ID: bad@peer",
      "CSeq: 1 INVITE",
      "Max-Forwards: many",
    ]);
    t.deliver(bad);
    assert.equal(t.requests.length, 0);
    const response = t.sent[0]?.message as SipResponse;
    assert.equal(response.status, 400);
    assert.ok(response.reason.length > 0 && response.reason !== "Bad Request", response.reason);
    assert.deepEqual(t.sent[0]?.to, PEER);
  });

  test("garbage and requests that cannot be routed are dropped without an answer", () => {
    const t = setup();
    t.deliver(Buffer.from([0x80, 0x00, 0x01, 0x02, 0xff]));
    t.deliver(Buffer.from("INVITE sip:x SIP/2.0\r\nCall-ID: x\r\n\r\n"));
    t.deliver(Buffer.from("\r\n\r\n"));
    t.deliver(Buffer.alloc(2000, 0x41));
    assert.equal(t.sent.length, 0);
    assert.equal(t.requests.length, 0);
  });

  test("a CSeq that names another method is a 400", () => {
    const t = setup();
    const wrong = sipText("BYE sip:belay@127.0.0.1 SIP/2.0", [
      "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-cseq",
      "From: <sip:a@127.0.0.1>;tag=x",
      "To: <sip:b@127.0.0.1>;tag=y",
      "Call-ID: cseq@peer",
      "CSeq: 1 INVITE",
    ]);
    t.deliver(wrong);
    assert.equal(
      (t.sent[0] as Sent).message.kind === "response" && ((t.sent[0] as Sent).message as SipResponse).status,
      400,
    );
    assert.equal(t.requests.length, 0);
  });
});

function outgoing(method: string, branch: string): SipRequest {
  const headers = createHeaders();
  headers.append("Via", `SIP/2.0/UDP 127.0.0.1:5060;branch=${branch};rport`);
  headers.append("Max-Forwards", "70");
  headers.append("From", "<sip:+15550001111@127.0.0.1>;tag=belay");
  headers.append("To", "<sip:+15550003333@127.0.0.1:5070>");
  headers.append("Call-ID", `out-${branch}@belay`);
  headers.append("CSeq", `1 ${method}`);
  return { kind: "request", method, uri: "sip:+15550003333@127.0.0.1:5070", headers, body: Buffer.alloc(0) };
}

function recordingUser() {
  const seen: Array<number | "timeout"> = [];
  const user: ClientTransactionUser = {
    response: (r) => seen.push(r.status),
    timeout: () => seen.push("timeout"),
  };
  return { seen, user };
}

function answer(request: SipRequest, status: number, toTag = "peer"): Buffer {
  return serializeSipMessage(responseFor(request, status, undefined, { toTag }));
}

describe("INVITE client transaction", () => {
  test("the INVITE is retransmitted with T1 doubling until a provisional, then waits for the final however long it rings", async () => {
    const t = setup();
    const { seen, user } = recordingUser();
    const request = outgoing("INVITE", "z9hG4bK-out-1");
    t.layer.sendRequest(request, PEER, user);
    t.at(3 * T1 + 10, () => t.deliver(answer(request, 180)));
    t.at(40_000, () => t.deliver(answer(request, 200)));
    await t.until(41_000);
    assert.deepEqual(
      t.sent.map((s) => s.at),
      [0, T1, 3 * T1],
    );
    assert.deepEqual(seen, [180, 200]);
  });

  test("no answer at all: timer B at 64*T1 reports a timeout", async () => {
    const t = setup();
    const { seen, user } = recordingUser();
    t.layer.sendRequest(outgoing("INVITE", "z9hG4bK-out-2"), PEER, user);
    await t.until(64 * T1 + 1);
    assert.deepEqual(seen, ["timeout"]);
    assert.deepEqual(
      t.sent.map((s) => s.at),
      [0, 1, 3, 7, 15, 31, 63].map((n) => n * T1),
    );
    assert.equal(t.layer.size.client, 0);
  });

  test("a failure is ACKed on the INVITE's branch, and again for each retransmission of it", async () => {
    const t = setup();
    const { seen, user } = recordingUser();
    const request = outgoing("INVITE", "z9hG4bK-out-3");
    t.layer.sendRequest(request, PEER, user);
    t.deliver(answer(request, 486));
    t.deliver(answer(request, 486));
    await t.until(100);
    assert.deepEqual(seen, [486], "the retransmitted failure is not news");
    const acks = t.sent.filter((s) => s.message.kind === "request" && s.message.method === "ACK");
    assert.equal(acks.length, 2);
    const ack = acks[0]?.message as SipRequest;
    assert.equal(parseVia(ack.headers.get("Via") as string).params.get("branch"), "z9hG4bK-out-3");
    assert.equal(ack.headers.get("CSeq"), "1 ACK");
    assert.match(ack.headers.get("To") ?? "", /tag=peer/);
  });
});

describe("non-INVITE client transaction", () => {
  test("retransmitted with T1 doubling capped at T2; timer F reports a timeout", async () => {
    const t = setup();
    const { seen, user } = recordingUser();
    t.layer.sendRequest(outgoing("BYE", "z9hG4bK-bye-out"), PEER, user);
    await t.until(64 * T1 + 1);
    assert.deepEqual(seen, ["timeout"]);
    const times = t.sent.map((s) => s.at);
    assert.deepEqual(times.slice(0, 6), [0, 500, 1500, 3500, 7500, 11500]);
    assert.ok(times.every((at, i) => i === 0 || at - (times[i - 1] as number) <= 4000));
  });

  test("a final response stops retransmission and reaches the user once", async () => {
    const t = setup();
    const { seen, user } = recordingUser();
    const request = outgoing("BYE", "z9hG4bK-bye-ok");
    t.layer.sendRequest(request, PEER, user);
    t.at(600, () => t.deliver(answer(request, 200)));
    t.at(700, () => t.deliver(answer(request, 200)));
    await t.until(40_000);
    assert.deepEqual(seen, [200]);
    assert.deepEqual(
      t.sent.map((s) => s.at),
      [0, 500],
    );
  });
});
