import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { newId } from "../../src/contract/ids.js";
import { parseVia } from "../../src/legs/sip/message/via.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { addNumber, branch, PeerCall } from "./sip-call-peer.js";
import { peerRequest, sipText } from "./sip-text.js";
import { freeUdpPort, sdpOffer, UdpPeer } from "./udp-peer.js";

/**
 * Belay's SIP server against a scripted peer over real UDP: what it answers to each request, in
 * order, with the headers that matter, and what the engine's call did with it.
 */

const ANSWERS = "+15550002222"; // records until the caller hangs up
const HANGS_UP = "+15550002223"; // records 1 s, then the app hangs up
const RINGS = "+15550003333"; // a long Pause: never answered
const REJECTS = "+15550004444";
const UNKNOWN = "+15550009999";
const NO_APP = "+15550005555"; // a number without an application
/** A real INVITE from baresip 1.0.0, the parser's fixture. */
const BARESIP_INVITE = fileURLToPath(new URL("../fixtures/sip/baresip-invite.sip", import.meta.url));

let harness: TestBelay;
let app: ScriptedApp;
let peer: UdpPeer;
let sipPort: number;

before(async () => {
  app = await startScriptedApp({
    "/answers": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 30, silenceTimeoutMs: 60_000 } },
      ],
    }),
    "/hangs-up": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 1, silenceTimeoutMs: 60_000 } },
      ],
    }),
    "/recorded": () => ({ body: [{ Hangup: {} }] }),
    "/rings": () => ({ body: [{ Pause: { length: 20_000 } }, { Hangup: {} }] }),
    "/rejects": () => ({ body: [{ Reject: {} }] }),
  });
  sipPort = await freeUdpPort();
  harness = await startBelay({ sipPort });
  for (const [number, path] of [
    [ANSWERS, "/answers"],
    [HANGS_UP, "/hangs-up"],
    [RINGS, "/rings"],
    [REJECTS, "/rejects"],
  ] as const) {
    await addNumber(harness.belay, number, `${app.url}${path}`, `${app.url}/status`);
  }
  await harness.belay.store.numbers.create({
    phoneNumberId: newId("PN"),
    accountId: harness.belay.account.accountId,
    phoneNumber: NO_APP,
    alias: null,
    applicationId: null,
  });
  peer = await UdpPeer.open();
});

after(async () => {
  await peer?.close();
  await harness?.stop();
  await app?.close();
});

/** The callStatus webhook of the call whose inboundCall came at hit index `from` or later. */
async function endOf(from: number): Promise<{ status: unknown; reason: unknown }> {
  const hit = await app.nextHit("/status", from);
  return { status: hit.body.callStatus, reason: hit.body.callEndedReason };
}

describe("an inbound call", () => {
  test("100 at once, 180, then 200 with an SDP answer, retransmitted until the ACK; BYE from the caller ends it", async () => {
    const mark = app.hits.length;
    const call = new PeerCall(peer, sipPort, ANSWERS);
    call.invite();
    const trying = await peer.response(100, "INVITE");
    assert.equal(trying.headers.get("To"), `<${call.uri}>`, "no To tag on 100");
    const via = parseVia(trying.headers.getAll("Via")[0] as string);
    assert.equal(via.params.get("rport"), String(peer.port));
    assert.equal(via.params.get("received"), "127.0.0.1");
    const ringing = await peer.response(180, "INVITE");
    assert.match(ringing.headers.get("To") ?? "", /;tag=\w+/);
    const ok = await peer.response(200, "INVITE");
    assert.equal(ok.headers.get("To"), ringing.headers.get("To"), "one dialog: the same To tag");
    assert.equal(ok.headers.get("Content-Type"), "application/sdp");
    assert.match(ok.body.toString(), /m=audio \d+ RTP\/AVP 0 101/);
    assert.match(ok.headers.get("Contact") ?? "", new RegExp(`<sip:belay@127\\.0\\.0\\.1:${sipPort}>`));
    // Not acknowledged yet: the same 200 again after T1.
    const again = await peer.response(200, "INVITE", 2000);
    assert.equal(again.body.toString(), ok.body.toString());
    call.answered(ok).ack();
    // A CANCEL after the answer matches the INVITE's transaction: 200, and nothing changes.
    call.cancel();
    await peer.response(200, "CANCEL");
    const voice = await app.nextHit("/answers", mark);
    assert.equal(voice.body.from, "+15550001111");
    assert.equal(voice.body.to, ANSWERS);
    assert.equal(voice.body.direction, "inbound");
    const seq = call.bye();
    const byeOk = await peer.response(200, "BYE");
    assert.equal(byeOk.headers.get("CSeq"), `${seq} BYE`);
    assert.deepEqual(await endOf(mark), { status: "completed", reason: "farEndHangup" });
    const record = await app.nextHit("/recorded", mark);
    assert.equal(record.body.termReason, "hangup");
  });

  test("the app hangs up: Belay sends BYE in the dialog with the next CSeq and its Route set", async () => {
    const mark = app.hits.length;
    const call = new PeerCall(peer, sipPort, HANGS_UP);
    call.invite({ extra: [`Record-Route: <sip:127.0.0.1:${peer.port};lr>`] });
    const ok = await peer.response(200, "INVITE");
    call.answered(ok).ack();
    const bye = await peer.request("BYE", 8000);
    assert.equal(bye.message.headers.get("Call-ID"), call.callId);
    assert.equal(bye.message.headers.get("CSeq"), "2 BYE");
    assert.equal(bye.message.headers.get("Route"), `<sip:127.0.0.1:${peer.port};lr>`);
    assert.match(bye.message.headers.get("To") ?? "", new RegExp(`tag=${call.fromTag}`));
    assert.equal(bye.message.uri, `sip:peer@${peer.via}`, "sent to the caller's Contact");
    peer.send(
      sipText("SIP/2.0 200 OK", [
        ...bye.message.headers.getAll("Via").map((v) => `Via: ${v}`),
        `From: ${bye.message.headers.get("From")}`,
        `To: ${bye.message.headers.get("To")}`,
        `Call-ID: ${call.callId}`,
        `CSeq: ${bye.message.headers.get("CSeq")}`,
      ]),
      sipPort,
    );
    assert.deepEqual(await endOf(mark), { status: "completed", reason: "appHangup" });
  });

  test("CANCEL while ringing: 200 to the CANCEL, 487 to the INVITE, and the call is canceled", async () => {
    const mark = app.hits.length;
    const call = new PeerCall(peer, sipPort, RINGS);
    call.invite();
    await peer.response(180, "INVITE");
    await app.nextHit("/rings", mark);
    call.cancel();
    await peer.response(200, "CANCEL");
    const terminated = await peer.response(487, "INVITE");
    call.answered(terminated).ackFailure();
    assert.deepEqual(await endOf(mark), { status: "canceled", reason: "farEndHangup" });
  });

  test("a Reject before answering is 486 Busy Here", async () => {
    const mark = app.hits.length;
    const call = new PeerCall(peer, sipPort, REJECTS);
    call.invite();
    const busy = await peer.response(486, "INVITE");
    call.answered(busy).ackFailure();
    assert.deepEqual(await endOf(mark), { status: "completed", reason: "appReject" });
  });

  test("a number without an application is 480 Temporarily Unavailable (configErrorNoApplication)", async () => {
    const call = new PeerCall(peer, sipPort, NO_APP);
    call.invite();
    const unavailable = await peer.response(480, "INVITE");
    call.answered(unavailable).ackFailure();
    const row = await harness.belay.store.calls.list(harness.belay.account.accountId, { to: NO_APP });
    assert.equal(row.items[0]?.callEndedReason, "configErrorNoApplication");
  });

  test("an unknown number is 404; an INVITE without a usable codec 488; a body that is not SDP 415", async () => {
    new PeerCall(peer, sipPort, UNKNOWN).invite();
    const notFound = await peer.response(404, "INVITE");
    assert.match(notFound.headers.get("To") ?? "", /tag=/);
    new PeerCall(peer, sipPort, ANSWERS).invite({
      body: sdpOffer(40_010, { formats: "18", extra: ["a=rtpmap:18 G729/8000"] }),
    });
    const unacceptable = await peer.response(488, "INVITE");
    assert.match(unacceptable.headers.get("Warning") ?? "", /^305 /);
    new PeerCall(peer, sipPort, ANSWERS).invite({ body: "hello", contentType: "text/plain" });
    const unsupported = await peer.response(415, "INVITE");
    assert.equal(unsupported.headers.get("Accept"), "application/sdp");
  });

  test("re-INVITE to hold (sendonly) is answered recvonly; resume is answered sendrecv", async () => {
    const mark = app.hits.length;
    const call = new PeerCall(peer, sipPort, ANSWERS, 40_020);
    call.invite();
    const ok = await peer.response(200, "INVITE");
    call.answered(ok).ack();
    await app.nextHit("/answers", mark);
    const holdSeq = call.reinvite(sdpOffer(40_020, { direction: "sendonly" }));
    const held = await peer.response(200, "INVITE");
    assert.equal(held.headers.get("CSeq"), `${holdSeq} INVITE`);
    assert.match(held.body.toString(), /a=recvonly/);
    call.ack(holdSeq);
    const resumeSeq = call.reinvite(sdpOffer(40_022));
    const resumed = await peer.response(200, "INVITE");
    assert.match(resumed.body.toString(), /a=sendrecv/);
    call.ack(resumeSeq);
    call.inDialog("OPTIONS");
    const options = await peer.response(200, "OPTIONS");
    assert.match(options.headers.getAll("Allow").join(", "), /INVITE.*BYE/);
    call.inDialog("INFO", "Signal=1\r\nDuration=100\r\n", "application/dtmf-relay");
    const info = await peer.response(405, "INFO");
    assert.match(info.headers.getAll("Allow").join(", "), /INVITE/);
    call.bye();
    await peer.response(200, "BYE");
    assert.deepEqual(await endOf(mark), { status: "completed", reason: "farEndHangup" });
  });
});

test("baresip's own INVITE (empty Supported:, bare rport, a=ssrc) is answered like any other", async () => {
  const mark = app.hits.length;
  const text = (await readFile(BARESIP_INVITE, "utf8"))
    .replace("sip:record@127.0.0.1:5070", `sip:${ANSWERS}@127.0.0.1:${sipPort}`)
    .replace("To: <sip:record@127.0.0.1:5070>", `To: <sip:${ANSWERS}@127.0.0.1:${sipPort}>`)
    .replaceAll("127.0.0.1:5082", peer.via)
    .replace(/\r?\n/g, "\r\n");
  peer.send(Buffer.from(text), sipPort);
  const ok = await peer.response(200, "INVITE");
  assert.match(ok.body.toString(), /a=ptime:20/);
  const voice = await app.nextHit("/answers", mark);
  assert.equal(voice.body.from, "caller", "a From user that is no number is kept as it is");
  const toTag = /tag=([^;]+)/.exec(ok.headers.get("To") ?? "")?.[1];
  const inDialog = (method: string, seq: number) =>
    peerRequest({
      method,
      uri: `sip:belay@127.0.0.1:${sipPort}`,
      branch: branch(),
      callId: "c63f55b524e2ec3b",
      fromTag: "de25dd39090eea14",
      from: `<sip:caller@${peer.via}>`,
      to: `<sip:${ANSWERS}@127.0.0.1:${sipPort}>;tag=${toTag}`,
      cseq: seq,
      via: peer.via,
    });
  peer.send(inDialog("ACK", 60913), sipPort);
  peer.send(inDialog("BYE", 60914), sipPort);
  await peer.response(200, "BYE");
  assert.deepEqual(await endOf(mark), { status: "completed", reason: "farEndHangup" });
});

test("a delayed offer: Belay offers in the 200, the ACK answers; the same INVITE again on a new branch is 482", async () => {
  const mark = app.hits.length;
  const call = new PeerCall(peer, sipPort, ANSWERS, 40_030);
  call.invite({ body: "" });
  const ok = await peer.response(200, "INVITE");
  assert.match(ok.body.toString(), /m=audio \d+ RTP\/AVP 0 8 101/, "Belay's offer");
  call.answered(ok).ack(1, sdpOffer(40_030, { formats: "8 101" }));
  await app.nextHit("/answers", mark);
  call.invite();
  const loop = await peer.response(482, "INVITE");
  assert.notEqual(loop.headers.get("To"), ok.headers.get("To"), "not the call's dialog");
  assert.equal(harness.belay.engine.liveCount(), 1, "no second call");
  call.bye();
  await peer.response(200, "BYE");
  assert.deepEqual(await endOf(mark), { status: "completed", reason: "farEndHangup" });
});

describe("requests outside any call", () => {
  const outside = (method: string, toTag?: string) =>
    peerRequest({
      method,
      uri: `sip:belay@127.0.0.1:${sipPort}`,
      branch: branch(),
      callId: `${method}-${branch()}@peer`,
      fromTag: "outside",
      cseq: 7,
      via: peer.via,
      to: `<sip:belay@127.0.0.1:${sipPort}>${toTag ? `;tag=${toTag}` : ""}`,
    });

  test("OPTIONS is 200 with Allow and Accept", async () => {
    peer.send(outside("OPTIONS"), sipPort);
    const ok = await peer.response(200, "OPTIONS");
    assert.equal(ok.headers.getAll("Allow").join(", "), "INVITE, ACK, BYE, CANCEL, OPTIONS");
    assert.equal(ok.headers.get("Accept"), "application/sdp");
  });

  test("a BYE for no dialog is 481; so is any request with a To tag Belay never gave", async () => {
    peer.send(outside("BYE", "nosuch"), sipPort);
    await peer.response(481, "BYE");
    peer.send(outside("OPTIONS", "nosuch"), sipPort);
    await peer.response(481, "OPTIONS");
  });

  test("a request that requires an extension is 420 naming it in Unsupported", async () => {
    const request = peerRequest({
      method: "INVITE",
      uri: `sip:${ANSWERS}@127.0.0.1:${sipPort}`,
      branch: branch(),
      callId: `require-${branch()}@peer`,
      fromTag: "outside",
      cseq: 1,
      via: peer.via,
      extra: ["Require: 100rel, precondition"],
      body: sdpOffer(40_040),
    });
    peer.send(request, sipPort);
    const refused = await peer.response(420, "INVITE");
    assert.deepEqual(refused.headers.getAll("Unsupported"), ["100rel", "precondition"]);
  });

  test("an unsupported method is 405 with Allow", async () => {
    peer.send(outside("SUBSCRIBE"), sipPort);
    const refused = await peer.response(405, "SUBSCRIBE");
    assert.equal(refused.headers.getAll("Allow").join(", "), "INVITE, ACK, BYE, CANCEL, OPTIONS");
  });

  test("a malformed request that can be routed is 400 with a reason; garbage gets nothing, and Belay carries on", async () => {
    peer.send(
      sipText("OPTIONS sip:belay@127.0.0.1 SIP/2.0", [
        `Via: SIP/2.0/UDP ${peer.via};branch=${branch()};rport`,
        "From: <sip:a@127.0.0.1>;tag=x",
        "To: <sip:belay@127.0.0.1>",
        "Call-ID: malformed@peer",
        "CSeq: 1 OPTIONS",
        "Content-Length: 99999",
      ]),
      sipPort,
    );
    const bad = await peer.response(400, "OPTIONS");
    assert.notEqual(bad.reason, "Bad Request", "the reason says what is wrong");
    // Garbage first, then an OPTIONS, from a fresh socket: the first answer it gets is the OPTIONS' 200.
    const fresh = await UdpPeer.open();
    try {
      fresh.send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00]), sipPort);
      fresh.send(Buffer.from("INVITE\r\n\r\n"), sipPort);
      fresh.send(outside("OPTIONS"), sipPort);
      const next = await fresh.next();
      assert.equal(next.message.kind === "response" && next.message.status, 200);
    } finally {
      await fresh.close();
    }
  });
});

describe("the call limit", () => {
  test("INVITEs beyond --max-calls get 503 with Retry-After; the live call is unaffected", async () => {
    const limitedApp = await startScriptedApp({
      "/answers": (_hit, base) => ({
        body: [
          { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 30, silenceTimeoutMs: 60_000 } },
        ],
      }),
    });
    const port = await freeUdpPort();
    const limited = await startBelay({ sipPort: port, maxCalls: 1 });
    const caller = await UdpPeer.open();
    try {
      await addNumber(limited.belay, ANSWERS, `${limitedApp.url}/answers`, `${limitedApp.url}/status`);
      const live = new PeerCall(caller, port, ANSWERS);
      live.invite();
      const ok = await caller.response(200, "INVITE");
      live.answered(ok).ack();
      for (let i = 0; i < 5; i++) new PeerCall(caller, port, ANSWERS, 40_100 + 2 * i).invite();
      for (let i = 0; i < 5; i++) {
        const refused = await caller.response(503, "INVITE");
        assert.match(refused.headers.get("Retry-After") ?? "", /^\d+$/);
      }
      live.inDialog("OPTIONS");
      await caller.response(200, "OPTIONS");
      assert.equal(limited.belay.engine.liveCount(), 1);
      live.bye();
      await caller.response(200, "BYE");
    } finally {
      await caller.close();
      await limited.stop();
      await limitedApp.close();
    }
  });
});
