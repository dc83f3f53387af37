import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import type { LegListener } from "../../src/engine/leg.js";
import { Dialog } from "../../src/legs/sip/dialog.js";
import { parseSipMessage } from "../../src/legs/sip/message/parse.js";
import type { SipRequest, SipResponse } from "../../src/legs/sip/message/types.js";
import { parseVia } from "../../src/legs/sip/message/via.js";
import { responseFor } from "../../src/legs/sip/responses.js";
import type { RtpMedia, RtpStats } from "../../src/legs/sip/rtp/types.js";
import { createSdpNegotiator } from "../../src/legs/sip/sdp/negotiator.js";
import type { MediaPlan } from "../../src/legs/sip/sdp/types.js";
import { SipService } from "../../src/legs/sip/sip-service.js";
import { RealClock } from "../../src/time/clock.js";
import { PeerCall } from "./sip-call-peer.js";
import { peerRequest } from "./sip-text.js";
import { sdpOffer, UdpPeer } from "./udp-peer.js";

/** Dialog state (RFC 3261 section 12) and what an answered call does when its ACK never comes. */

const identity = {
  via: (b: string) => `SIP/2.0/UDP 127.0.0.1:5060;branch=${b};rport`,
  contact: "<sip:belay@127.0.0.1:5060>",
};
const source = { address: "127.0.0.1", port: 5070 };

function invite(extra: string[] = []): SipRequest {
  return parseSipMessage(
    peerRequest({
      method: "INVITE",
      uri: "sip:+15550002222@127.0.0.1:5060",
      branch: "z9hG4bK-d1",
      callId: "dialog-1@peer",
      fromTag: "caller",
      cseq: 41,
      via: "127.0.0.1:5070",
      contact: "<sip:alice@127.0.0.2:5072>",
      extra,
    }),
  ) as SipRequest;
}

describe("a dialog Belay answered (UAS)", () => {
  test("its BYE swaps From and To, carries the INVITE's CSeq+1, the Route set in order, to the Contact", () => {
    const dialog = Dialog.asServer(
      invite(["Record-Route: <sip:p1.example:5080;lr>", "Record-Route: <sip:127.0.0.9:5090;lr>"]),
      "belay-tag",
      source,
      identity,
    );
    const bye = dialog.request("BYE");
    assert.equal(bye.uri, "sip:alice@127.0.0.2:5072");
    assert.equal(bye.headers.get("CSeq"), "42 BYE");
    assert.equal(bye.headers.get("From"), "<sip:+15550002222@127.0.0.1:5060>;tag=belay-tag");
    assert.equal(bye.headers.get("To"), "<sip:+15550001111@127.0.0.1:5070>;tag=caller");
    assert.deepEqual(bye.headers.getAll("Route"), ["<sip:p1.example:5080;lr>", "<sip:127.0.0.9:5090;lr>"]);
    assert.equal(dialog.request("BYE").headers.get("CSeq"), "43 BYE", "each request takes the next number");
    // The first route is a hostname Belay does not resolve for in-dialog requests: the source.
    assert.deepEqual(dialog.destination(), source);
  });

  test("without routes, requests go to the Contact's address; a request below the last CSeq is refused", () => {
    const request = invite();
    const dialog = Dialog.asServer(request, "belay-tag", source, identity);
    assert.deepEqual(dialog.destination(), { address: "127.0.0.2", port: 5072 });
    const withSeq = (seq: number, method = "BYE") =>
      parseSipMessage(
        peerRequest({
          method,
          uri: "sip:belay@127.0.0.1",
          branch: `z9hG4bK-s${seq}`,
          callId: "dialog-1@peer",
          fromTag: "caller",
          cseq: seq,
          via: "127.0.0.1:5070",
        }),
      ) as SipRequest;
    assert.equal(dialog.acceptRemoteSeq(withSeq(41)), false, "the INVITE's own number again");
    assert.equal(dialog.acceptRemoteSeq(withSeq(42)), true);
    assert.equal(dialog.acceptRemoteSeq(withSeq(42, "ACK")), true, "an ACK does not advance the count");
    assert.equal(dialog.acceptRemoteSeq(withSeq(40)), false);
  });
});

describe("a dialog Belay placed (UAC)", () => {
  test("the route set is the response's Record-Route reversed; the ACK keeps the CSeq on a new branch", () => {
    const request = invite();
    const response = responseFor(request, 200, undefined, {
      toTag: "callee",
      headers: { Contact: "<sip:bob@127.0.0.3:5074>" },
    }) as SipResponse;
    response.headers.append("Record-Route", "<sip:127.0.0.5:5001;lr>");
    response.headers.append("Record-Route", "<sip:127.0.0.6:5002;lr>");
    const dialog = Dialog.asClient(request, response, source, identity);
    const ack = dialog.ack(41);
    assert.equal(ack.headers.get("CSeq"), "41 ACK");
    assert.notEqual(parseVia(ack.headers.get("Via") as string).params.get("branch"), "z9hG4bK-d1");
    assert.deepEqual(ack.headers.getAll("Route"), ["<sip:127.0.0.6:5002;lr>", "<sip:127.0.0.5:5001;lr>"]);
    assert.equal(ack.uri, "sip:bob@127.0.0.3:5074");
    assert.deepEqual(dialog.destination(), { address: "127.0.0.6", port: 5002 });
    assert.equal(dialog.request("BYE").headers.get("CSeq"), "42 BYE");
  });
});

const QUIET_STATS: RtpStats = {
  packetsReceived: 7,
  packetsSent: 3,
  packetsLost: 1,
  jitterMs: 0.5,
  late: 0,
  dropped: 2,
};

/** RtpMedia that records what it was told: these tests are about signalling. */
class QuietMedia implements RtpMedia {
  readonly localPort = 49_170;
  readonly plans: MediaPlan[] = [];
  closed = false;
  configure(plan: MediaPlan): void {
    this.plans.push(plan);
  }
  start(): void {}
  async play(): Promise<void> {}
  async stream(): Promise<void> {}
  async sendDigits(): Promise<void> {}
  async drain(): Promise<void> {}
  /** Resolves with the stats; the call's end is logged with them once it has. */
  closing: Promise<RtpStats> | undefined;
  close(): Promise<RtpStats> {
    this.closed = true;
    this.closing ??= Promise.resolve(QUIET_STATS);
    return this.closing;
  }
}

describe("an answered call whose ACK never comes, and its log lines", () => {
  test("the 200 is retransmitted until 64*T1, then Belay sends BYE and the call hangs up", async () => {
    const timers = { t1: 20, t2: 160, t4: 200 };
    const media = new QuietMedia();
    let hungUp!: () => void;
    const hangup = new Promise<void>((resolve) => {
      hungUp = resolve;
    });
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: "info" },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const service = await SipService.start({
      listenHost: "127.0.0.1",
      port: 0,
      advertiseHost: "127.0.0.1",
      maxCalls: 10,
      outbound: undefined,
      clock: new RealClock(),
      logger,
      negotiator: createSdpNegotiator(),
      openMedia: async () => media,
      timers,
      inbound: {
        route: async () => ({
          accept: true,
          callId: "CA-test",
          accountId: "AC-test",
          start(leg) {
            const listener: LegListener = { frame: () => true, digit() {}, hangup: hungUp };
            leg.listen(listener);
            void leg.answer();
          },
        }),
      },
    });
    const peer = await UdpPeer.open();
    try {
      const started = Date.now();
      const call = new PeerCall(peer, service.address.port, "+15550002222");
      call.invite();
      await peer.response(200, "INVITE");
      const bye = await peer.request("BYE", 5000);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 64 * timers.t1, `BYE after 64*T1 (${elapsed} ms)`);
      assert.equal(bye.message.headers.get("CSeq"), "2 BYE");
      await hangup;
      const oks = peer.log.filter((r) => r.message.kind === "response" && r.message.status === 200);
      assert.ok(oks.length >= 6, `the 200 went out ${oks.length} times`);
      assert.equal(service.liveCalls(), 0, "the slot is free");
      assert.equal(media.closed, true);
      // One line when the call starts and one when it ends, each with both ids; the end one with the RTP stats.
      await media.closing; // the end line is written once the session has closed
      const ofCall = lines.filter((l) => l.sipCallId === call.callId && l.callId === "CA-test");
      assert.ok(ofCall.some((l) => l.msg === "inbound SIP call"));
      const ended = ofCall.find((l) => l.msg === "SIP call ended");
      assert.deepEqual(ended?.rtp, QUIET_STATS);
    } finally {
      await peer.close();
      await service.close();
    }
  });
});

describe("a re-INVITE", () => {
  test("applies the new plan to the RTP session: hold, then resume at another address and port", async () => {
    const media = new QuietMedia();
    const service = await SipService.start({
      listenHost: "127.0.0.1",
      port: 0,
      advertiseHost: "127.0.0.1",
      maxCalls: 10,
      outbound: undefined,
      clock: new RealClock(),
      logger: pino({ level: "silent" }),
      negotiator: createSdpNegotiator(),
      openMedia: async () => media,
      inbound: {
        route: async () => ({
          accept: true,
          callId: "CA-reinvite",
          accountId: "AC-test",
          start(leg) {
            leg.listen({ frame: () => true, digit() {}, hangup() {} });
            void leg.answer();
          },
        }),
      },
    });
    const peer = await UdpPeer.open();
    try {
      const call = new PeerCall(peer, service.address.port, "+15550002222", 41_000);
      call.invite();
      call.answered(await peer.response(200, "INVITE")).ack();
      assert.deepEqual(media.plans.at(-1)?.remote, { address: "127.0.0.1", port: 41_000 });
      const hold = call.reinvite(sdpOffer(41_000, { direction: "sendonly" }));
      await peer.response(200, "INVITE");
      call.ack(hold);
      assert.equal(media.plans.at(-1)?.direction, "recvonly", "Belay's own direction while held");
      const moved = sdpOffer(41_100).replace(/IN IP4 127\.0\.0\.1/g, "IN IP4 127.0.0.2");
      const resume = call.reinvite(moved);
      await peer.response(200, "INVITE");
      call.ack(resume);
      assert.deepEqual(media.plans.at(-1)?.remote, { address: "127.0.0.2", port: 41_100 });
      assert.equal(media.plans.at(-1)?.direction, "sendrecv");
      const bad = call.reinvite(sdpOffer(41_100, { formats: "18", extra: ["a=rtpmap:18 G729/8000"] }));
      const refused = await peer.response(488, "INVITE");
      assert.equal(refused.headers.get("CSeq"), `${bad} INVITE`);
      assert.equal(media.plans.length, 3, "a refused offer changes nothing");
      call.bye();
      await peer.response(200, "BYE");
    } finally {
      await peer.close();
      await service.close();
    }
  });
});
