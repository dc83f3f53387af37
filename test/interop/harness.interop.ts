import assert from "node:assert/strict";
import dgram from "node:dgram";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from "../../src/media/g711.js";
import { assertSameSamples, pcapAudio, readWav8k } from "./audio.js";
import { startBaresip } from "./baresip.js";
import { align, correlationAt } from "./correlate.js";
import { parseRtp, readPcapRtp, readPcapUdp } from "./pcap.js";
import { freeUdpPort } from "./ports.js";
import { within } from "./process.js";
import { describeSipp, renderTemplate, SIPP_PCAPS, startSipp } from "./sipp.js";

/**
 * The harness itself, without Belay: the pcap reader, the correlation, and each peer run against
 * something that is not Belay (a bare UDP socket, or the other peer), so a failure in the Belay
 * tests is Belay's and not the harness's.
 */

test("g711a.pcap: 236 RTP packets of PCMA (payload type 8), 30 ms = 240 bytes each, one gapless stream", async () => {
  const rtp = readPcapRtp(await readFile(path.join(SIPP_PCAPS, "g711a.pcap")));
  assert.equal(rtp.length, 236);
  assert.deepEqual(new Set(rtp.map((p) => p.payloadType)), new Set([8]));
  assert.deepEqual(new Set(rtp.map((p) => p.payload.length)), new Set([240]));
  assert.equal(new Set(rtp.map((p) => p.ssrc)).size, 1);
  for (let i = 1; i < rtp.length; i++) {
    const [a, b] = [rtp[i - 1], rtp[i]] as [(typeof rtp)[0], (typeof rtp)[0]];
    assert.equal(b.sequence, (a.sequence + 1) & 0xffff, `sequence after packet ${i - 1}`);
    assert.equal(b.timestamp - a.timestamp, 240, `timestamp step after packet ${i - 1}`);
  }
  const spanMs = ((rtp.at(-1)?.timeUs ?? 0) - (rtp[0]?.timeUs ?? 0)) / 1000;
  assert.ok(Math.abs(spanMs - 235 * 30) < 100, `captured over ${spanMs} ms`);
  const audio = await pcapAudio();
  assert.equal(audio.pcm.length, 236 * 240);
  assert.equal(audio.pcm[0], alawDecode(rtp[0]?.payload[0] as number));
});

test("dtmf_2833_1.pcap: RFC 4733 event 1 on payload type 101, the end bit on its last three packets", async () => {
  const rtp = readPcapRtp(await readFile(path.join(SIPP_PCAPS, "dtmf_2833_1.pcap")));
  assert.equal(rtp.length, 10);
  assert.ok(rtp.every((p) => p.payloadType === 101 && p.payload.length === 4 && p.payload[0] === 1));
  assert.deepEqual(
    rtp.map((p) => ((p.payload[1] as number) & 0x80) !== 0),
    [false, false, false, false, false, false, false, true, true, true],
  );
  assert.equal(new Set(rtp.map((p) => p.timestamp)).size, 1, "one event: one timestamp");
});

test("the pcap reader takes what it should and refuses what it cannot read", async () => {
  const bytes = await readFile(path.join(SIPP_PCAPS, "g711a.pcap"));
  const udp = readPcapUdp(bytes);
  assert.deepEqual([udp[0]?.src.port, udp[0]?.dst.port], [5000, 2006]);
  assert.throws(() => readPcapUdp(bytes.subarray(0, bytes.length - 7)), /truncated/);
  assert.throws(() => readPcapUdp(new Uint8Array(40)), /not a libpcap file/);
  // RTP with two CSRCs, an extension of one word, and two bytes of padding.
  const packet = Uint8Array.from([
    0xb2,
    0x80 | 8,
    0,
    7,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    9,
    ...[0, 0, 0, 1, 0, 0, 0, 2],
    ...[0xbe, 0xde, 0, 1, 1, 2, 3, 4],
    0xaa,
    0xbb,
    0,
    2,
  ]);
  const rtp = parseRtp(packet);
  assert.deepEqual(
    [rtp?.payloadType, rtp?.marker, rtp?.sequence, rtp?.timestamp, rtp?.ssrc, [...(rtp?.payload ?? [])]],
    [8, true, 7, 256, 9, [0xaa, 0xbb]],
  );
  assert.equal(parseRtp(Uint8Array.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, "version 1");
});

test("alignment finds a known lag through G.711, and unrelated audio does not correlate", async () => {
  const { pcm } = await pcapAudio();
  const lag = 1234;
  const throughUlaw = Int16Array.from(pcm.subarray(lag, lag + 24_000), (s) => ulawDecode(ulawEncode(s)));
  const found = align(pcm, throughUlaw);
  assert.equal(found.lag, lag);
  assert.ok(found.correlation > 0.99, `correlation ${found.correlation}`);
  const exact = Int16Array.from(pcm.subarray(lag), (s) => alawDecode(alawEncode(s)));
  assert.equal(correlationAt(pcm, exact, lag).correlation.toFixed(9), "1.000000000");
  // A signal that starts before the reference does: negative lag.
  const early = new Int16Array(500 + 20_000);
  early.set(pcm.subarray(0, 20_000), 500);
  assert.equal(align(pcm, early).lag, -500);
  const reversed = pcm.slice(0, 20_000).reverse();
  const unrelated = align(pcm, reversed, { minLag: 0, maxLag: 20_000 });
  assert.ok(unrelated.correlation < 0.5, `reversed speech correlates ${unrelated.correlation}`);
});

test("renderTemplate replaces every token and refuses one without a value", () => {
  assert.equal(renderTemplate("a=@X@ b=@Y_2@", { X: "1", Y_2: "two" }), "a=1 b=two");
  assert.throws(() => renderTemplate("@MISSING@", {}), /@MISSING@ has no value/);
});

test("sipp's uac_pcap sends its INVITE to the port given; with nobody answering it fails at its timeout", async (t) => {
  const port = await freeUdpPort();
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", resolve));
  t.after(() => socket.close());
  const invite = new Promise<string>((resolve) => socket.once("message", (m) => resolve(m.toString())));
  const sipp = await startSipp({
    scenario: { builtin: "uac_pcap" },
    port,
    service: "15550002222",
    timeoutSec: 3,
  });
  t.after(() => sipp.stop());
  const text = await within(5000, "sipp's INVITE", invite);
  assert.match(text, new RegExp(`^INVITE sip:15550002222@127\\.0\\.0\\.1:${port} SIP/2\\.0\r\n`));
  assert.match(text, /\r\nm=audio \d+ RTP\/AVP 8 101\r\n/);
  assert.match(text, new RegExp(`\r\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipp.localPort};branch=`));
  const result = await sipp.finished;
  assert.notEqual(result.code, 0, describeSipp(result));
  assert.equal(result.killed, false, "sipp stopped at its own timeout");
  assert.match(result.messages, /INVITE sip:15550002222@/, "the message trace holds the INVITE");
});

test("sipp's uac_pcap into baresip (auto answer): baresip hears the pcap's audio sample for sample", async (t) => {
  const baresip = await startBaresip({ source: { sineHz: 440 }, answerMode: "auto", quitAfterSec: 25 });
  t.after(async () => {
    await baresip.quit();
    await baresip.remove();
  });
  // baresip answers only its account's user.
  const sipp = await startSipp({
    scenario: { builtin: "uac_pcap" },
    port: baresip.sipPort,
    service: "caller",
  });
  t.after(() => sipp.stop());
  const result = await sipp.finished;
  assert.equal(result.code, 0, `${describeSipp(result)}\nbaresip:\n${baresip.log().slice(-4000)}`);
  await baresip.nextEvent("CALL_CLOSED", 5000);
  await baresip.quit();
  const heard = await readWav8k((await baresip.dumps()).heard);
  const { pcm } = await pcapAudio();
  const found = align(pcm, heard, { minOverlap: 8000 });
  t.diagnostic(
    `baresip heard ${heard.length} samples; lag ${found.lag}, correlation ${found.correlation.toFixed(6)}`,
  );
  assert.equal(found.lag, 0);
  const overlap = Math.min(heard.length, pcm.length);
  assert.ok(overlap > 5 * 8000, `${overlap} samples heard`);
  assertSameSamples(
    heard.subarray(0, overlap),
    pcm.subarray(0, overlap),
    "baresip's decoded audio vs the pcap",
  );
});
