import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { SIP_INPUT_LOG_LIMIT } from "../../src/legs/sip/log-limiter.js";
import type { SipResponse } from "../../src/legs/sip/message/types.js";
import { createSdpNegotiator } from "../../src/legs/sip/sdp/negotiator.js";
import { SipService } from "../../src/legs/sip/sip-service.js";
import { RFC3261_TIMERS, transactionTimeout } from "../../src/legs/sip/timers.js";
import type { ServerTransactionLimits } from "../../src/legs/sip/transaction-layer.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { UdpPeer } from "./udp-peer.js";

/**
 * What a flood of junk and bogus requests can make Belay's SIP hold: the live server transactions
 * stay within their limits (beyond them a request gets 503 and no transaction), the log writes a
 * bounded number of lines, and everything the flood created is gone once its timers expire.
 *
 * The datagrams go straight into the transaction layer's receive(), where the UDP socket hands
 * them: all of them are in before the simulated clock may move, so the assertions see the flood at
 * its height. Responses still leave through Belay's real UDP socket, to a real peer socket.
 */

const BOGUS_METHODS = ["INVITE", "OPTIONS", "REGISTER"] as const;

/** A deterministic stream of pseudo-random bytes (a linear congruential generator). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24;
  };
}

function bogusRequest(method: string, i: number, peerPort: number): Buffer {
  const uri = method === "REGISTER" ? "sip:127.0.0.1" : `sip:+1555999${String(i).padStart(4, "0")}@127.0.0.1`;
  const sdp =
    method === "INVITE"
      ? "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
      : "";
  return Buffer.from(
    `${method} ${uri} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=z9hG4bK-flood-${method}-${i};rport\r\n` +
      "Max-Forwards: 70\r\n" +
      `From: <sip:+15550001111@127.0.0.1>;tag=f${i}\r\n` +
      `To: <${uri}>\r\n` +
      `Call-ID: flood-${method}-${i}@127.0.0.1\r\n` +
      `CSeq: 1 ${method}\r\n` +
      (sdp ? "Content-Type: application/sdp\r\n" : "") +
      `Content-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`,
  );
}

/** Random bytes, or a valid request with bytes changed at random: what a fuzzer sends. */
function junk(i: number, peerPort: number, random: () => number): Buffer {
  if (i % 2 === 0) {
    const bytes = Buffer.alloc(1 + ((random() << 3) | (random() & 7)));
    for (let k = 0; k < bytes.length; k++) bytes[k] = random();
    return bytes;
  }
  const bytes = bogusRequest(BOGUS_METHODS[i % 3] as string, 100_000 + i, peerPort);
  for (let k = 0; k < 6; k++) bytes[(random() * bytes.length) >> 8] = random();
  return bytes;
}

interface Flood {
  service: SipService;
  clock: SimulatedClock;
  peer: UdpPeer;
  lines: Array<Record<string, unknown>>;
}

async function startFlood(limits: ServerTransactionLimits): Promise<Flood> {
  const clock = new SimulatedClock(0);
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const service = await SipService.start({
    listenHost: "127.0.0.1",
    port: 0,
    advertiseHost: "127.0.0.1",
    maxCalls: 10,
    outbound: undefined,
    clock,
    logger,
    negotiator: createSdpNegotiator(),
    openMedia: () => Promise.reject(new Error("no call gets this far: every number is unknown")),
    inbound: { route: async () => ({ accept: false, status: 404, reason: "No Such Number" }) },
    transactionLimits: limits,
  });
  return { service, clock, peer: await UdpPeer.open(), lines };
}

/** Sends `count` junk datagrams and `count` bogus requests, all before the clock can move. */
function flood({ service, peer }: Flood, count: number): void {
  const random = prng(13);
  const source = { address: "127.0.0.1", port: peer.port };
  for (let i = 0; i < count; i++) service.layer.receive(junk(i, peer.port, random), source);
  for (let i = 0; i < count; i++) {
    service.layer.receive(bogusRequest(BOGUS_METHODS[i % 3] as string, i, peer.port), source);
  }
}

/** Waits on the simulated clock until every transaction the flood made has expired. */
async function expire(clock: SimulatedClock): Promise<void> {
  await clock.sleep(transactionTimeout(RFC3261_TIMERS) + RFC3261_TIMERS.t4 + SIP_INPUT_LOG_LIMIT.windowMs);
}

function countBy(lines: Array<Record<string, unknown>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) counts[String(line.msg)] = (counts[String(line.msg)] ?? 0) + 1;
  return counts;
}

describe("a flood of junk and bogus SIP requests", () => {
  test("holds at most the transaction limit, answers the rest 503, and all of it expires", async () => {
    const limits = { count: 300, bytes: 32 * 1024 * 1024 };
    const f = await startFlood(limits);
    try {
      flood(f, 2000);
      const { layer, agent } = f.service;
      assert.equal(layer.size.server, limits.count, "live server transactions at the height of the flood");
      assert.ok(agent.size.cancellable <= limits.count);
      // One more request, from a peer of its own (the flood's peer gets thousands of responses).
      const late = await UdpPeer.open();
      try {
        layer.receive(bogusRequest("OPTIONS", 99_999, late.port), { address: "127.0.0.1", port: late.port });
        assert.equal(layer.size.server, limits.count, "no transaction for it");
        const refused = (await late.response(503, "OPTIONS")) as SipResponse;
        assert.equal(refused.reason, "Too Many Transactions");
        assert.equal(refused.headers.get("Retry-After"), "5");
      } finally {
        await late.close();
      }

      await expire(f.clock);
      assert.deepEqual(layer.size, { server: 0, client: 0, serverBytes: 0 });
      assert.deepEqual(agent.size, { dialogs: 0, byRemote: 0, cancellable: 0 });
      assert.equal(f.service.liveCalls(), 0);
    } finally {
      await f.peer.close();
      await f.service.close();
    }
  });

  test("bounds the bytes live transactions hold, whatever their number", async () => {
    const limits = { count: 100_000, bytes: 64 * 1024 };
    const f = await startFlood(limits);
    try {
      flood(f, 1000);
      const { size } = f.service.layer;
      assert.ok(size.serverBytes <= limits.bytes, `${size.serverBytes} bytes held`);
      // Each bogus request is 300-450 bytes: the byte limit, not the count, stopped the flood.
      assert.ok(size.server > 100 && size.server < 250, `${size.server} transactions`);
      await expire(f.clock);
      assert.deepEqual(f.service.layer.size, { server: 0, client: 0, serverBytes: 0 });
    } finally {
      await f.peer.close();
      await f.service.close();
    }
  });

  test("writes a bounded number of log lines, then one line per kind saying how many it held back", async () => {
    const f = await startFlood({ count: 300, bytes: 32 * 1024 * 1024 });
    try {
      flood(f, 2000);
      await expire(f.clock);
      const warnings = f.lines.filter((l) => l.level === 40);
      const kinds = new Set(warnings.map((l) => String(l.msg).replace(/ \(\d+ more like it.*$/, "")));
      // Per kind: the first lines of the window, and one summary when the window closes.
      assert.ok(
        warnings.length <= kinds.size * (SIP_INPUT_LOG_LIMIT.perWindow + 1),
        `${warnings.length} warnings for ${kinds.size} kinds of bad input: ${JSON.stringify(countBy(warnings))}`,
      );
      assert.ok(kinds.has("malformed SIP datagram dropped"));
      assert.ok(kinds.has("SIP request beyond the server transaction limit answered 503"));
      const summary = warnings.find(
        (l) => typeof l.suppressed === "number" && String(l.msg).startsWith("malformed SIP datagram dropped"),
      );
      assert.ok(summary, "a summary line for the malformed datagrams held back");
      assert.ok((summary.suppressed as number) > 500);
    } finally {
      await f.peer.close();
      await f.service.close();
    }
  });
});
