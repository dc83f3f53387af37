/**
 * The SIP benchmarks' load generator, in its own process: a small SIP UAC and G.711 RTP sender
 * over UDP on 127.0.0.1. Each call streams 20 ms PCMU packets of its own audio (seeded noise, see
 * callerAudioByte) from a monotonic schedule, then does what its script says: hang up with BYE,
 * press a key (RFC 4733), or fall silent and wait for Belay's BYE. Every loop is bounded by count
 * and by --max-sec. Prints one JSON line per event on stdout; the last is the report.
 *
 *   sip mode:  --sip-port P --number +1555... --calls N --script hangup|key|silence|wait
 *              --audio-ms A (audible audio before the script's action) [--rate 200] [--concurrency C]
 *   raw mode:  --raw-ports 4000,4001,... (RTP straight to a UDP sink, no SIP) --audio-ms A
 *   both:      --sample-every K (send times of 1 in K packets are reported)
 *              --phases independent|burst|answer (default answer): where in the 20 ms each call's
 *              packets fall. independent: call i at its own fixed phase (a hash of i, uniform over
 *              the 20 ms), as phones that know nothing of each other send; burst: every call on
 *              the same 20 ms grid, all packets due in the same instant (the worst case); answer:
 *              each call's first packet when its 200 arrives (what the webhook benchmark uses).
 *              Packet k of a call is due at its first + 20k ms on the monotonic clock: no drift.
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { isSipParseError } from "../../src/legs/sip/message/errors.js";
import { parseSipMessage } from "../../src/legs/sip/message/parse.js";
import type { SipMessage } from "../../src/legs/sip/message/types.js";
import { numberOption, option } from "../lib/args.js";
import { callerAudioBytes, callerNumber } from "../lib/caller-audio.js";

const SIP_PORT = numberOption("--sip-port", 0);
const NUMBER = option("--number", "+15550002222");
const RAW_PORTS = option("--raw-ports", "").split(",").filter(Boolean).map(Number);
const CALLS = RAW_PORTS.length || numberOption("--calls", 10);
const SCRIPT = option("--script", "hangup") as "hangup" | "key" | "silence" | "wait";
const AUDIO_MS = numberOption("--audio-ms", 10000);
const RATE = numberOption("--rate", 200);
const CONCURRENCY = numberOption("--concurrency", CALLS);
const SAMPLE_EVERY = numberOption("--sample-every", 25);
const MAX_SEC = numberOption("--max-sec", 600);
const FIRST_CALL = numberOption("--first-call", 0);
/** hangup: wait this long after the last packet before the BYE, so nothing sent is still in Belay's playout buffer. */
const BYE_AFTER_MS = numberOption("--bye-after-ms", 0);
const PHASES = option("--phases", "answer") as "independent" | "burst" | "answer";
if (!["independent", "burst", "answer"].includes(PHASES)) throw new Error(`--phases ${PHASES}?`);
/** The grid every phase is measured from: the generator's own start. */
const EPOCH = performance.now();

const now = () => performance.timeOrigin + performance.now();
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

interface Call {
  index: number;
  callId: string;
  fromTag: string;
  toHeader?: string;
  inviteBranch: string;
  ssrc: number;
  seq: number;
  ts: number;
  rtpTo: number;
  start: number;
  k: number;
  audio: Generator<Uint8Array>;
  state: "inviting" | "streaming" | "silent" | "ending" | "done" | "failed";
  inviteSentAt: number;
  answeredAt?: number;
  actionAt?: number;
  endedBy?: "us" | "belay";
  packets: number;
  samples: Array<[number, number]>;
  resolve: () => void;
}

const sip = createSocket("udp4");
const rtp = createSocket({ type: "udp4", sendBufferSize: 4 * 1024 * 1024 });
await Promise.all([
  new Promise<void>((r) => sip.bind(0, "127.0.0.1", r)),
  new Promise<void>((r) => rtp.bind(0, "127.0.0.1", r)),
]);
const sipLocal = sip.address().port;
const rtpLocal = rtp.address().port;
rtp.on("message", () => {}); // Belay's prompts and beep: heard and dropped
const calls = new Map<string, Call>();
const all: Call[] = [];
const deadline = performance.now() + MAX_SEC * 1000;
const SILENCE = new Uint8Array(160).fill(0xff);
const lateness: number[] = [];

function sendSip(lines: string[], body = ""): void {
  const text = [...lines, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
  sip.send(Buffer.from(text), SIP_PORT, "127.0.0.1");
}

function request(c: Call, method: string, branch: string, cseq: number, body = ""): void {
  const uri = `sip:${NUMBER}@127.0.0.1:${SIP_PORT}`;
  sendSip(
    [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${sipLocal};branch=${branch};rport`,
      "Max-Forwards: 70",
      `From: <sip:${callerNumber(c.index)}@127.0.0.1:${sipLocal}>;tag=${c.fromTag}`,
      `To: ${c.toHeader ?? `<${uri}>`}`,
      `Call-ID: ${c.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:caller@127.0.0.1:${sipLocal}>`,
      ...(body ? ["Content-Type: application/sdp"] : []),
    ],
    body,
  );
}

const branch = () => `z9hG4bK${randomBytes(6).toString("hex")}`;

function offer(): string {
  return `${[
    "v=0",
    "o=bench 1 1 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio ${rtpLocal} RTP/AVP 0 101`,
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-15",
    "a=ptime:20",
    "a=sendrecv",
  ].join("\r\n")}\r\n`;
}

function rtpPacket(c: Call, pt: number, payload: Uint8Array, marker: boolean, ts = c.ts): Buffer {
  const packet = Buffer.allocUnsafe(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = (marker ? 0x80 : 0) | pt;
  packet.writeUInt16BE(c.seq & 0xffff, 2);
  packet.writeUInt32BE(ts >>> 0, 4);
  packet.writeUInt32BE(c.ssrc, 8);
  packet.set(payload, 12);
  return packet;
}

function sendRtp(c: Call, packet: Buffer): void {
  const seq = c.seq & 0xffff;
  rtp.send(packet, c.rtpTo, "127.0.0.1");
  if (seq % SAMPLE_EVERY === 0) c.samples.push([seq, now()]);
  c.seq++;
  c.packets++;
  sentTotal++;
}

/** '#' as RFC 4733 events: three with growing duration, the end three times, at the audio's timestamp. */
function sendKey(c: Call): void {
  const ts = c.ts;
  for (let i = 0; i < 6; i++) {
    const end = i >= 3;
    const duration = 160 * Math.min(i + 1, 3);
    const payload = new Uint8Array([11, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
    sendRtp(c, rtpPacket(c, 101, payload, i === 0, ts));
  }
}

function onSip(message: SipMessage): void {
  const c = calls.get(message.headers.get("Call-ID") ?? "");
  if (!c) return;
  const cseq = message.headers.get("CSeq") ?? "";
  if (message.kind === "response") {
    if (cseq.endsWith("INVITE")) {
      if (message.status < 200) return;
      if (message.status >= 300) {
        request(c, "ACK", c.inviteBranch, 1);
        finish(c, "failed");
        return;
      }
      c.toHeader = message.headers.get("To");
      request(c, "ACK", branch(), 1);
      if (c.state !== "inviting") return; // a retransmitted 200: ACKed again
      const port = /^m=audio (\d+) /m.exec(message.body.toString())?.[1];
      c.rtpTo = Number(port);
      c.answeredAt = now();
      startStreaming(c);
    } else if (cseq.endsWith("BYE") && c.state === "ending") finish(c, "done");
    return;
  }
  if (message.method === "BYE") {
    sendSip([
      "SIP/2.0 200 OK",
      ...message.headers.getAll("Via").map((v) => `Via: ${v}`),
      `From: ${message.headers.get("From")}`,
      `To: ${message.headers.get("To")}`,
      `Call-ID: ${c.callId}`,
      `CSeq: ${cseq}`,
    ]);
    if (c.state !== "done" && c.state !== "failed") {
      c.endedBy = "belay";
      finish(c, "done");
    }
  }
}

sip.on("message", (bytes) => {
  try {
    onSip(parseSipMessage(bytes));
  } catch (err) {
    if (!isSipParseError(err)) throw err;
  }
});

function finish(c: Call, state: "done" | "failed"): void {
  if (c.state === "done" || c.state === "failed") return;
  c.state = state;
  c.resolve();
}

// --- the pacer: one timer, every call's packet k due at its start + 20k ms ---
const streaming = new Set<Call>();
let pacer: NodeJS.Timeout | undefined;
let pacerAt = Number.POSITIVE_INFINITY;

/** The one pacer timer, brought forward when a new call's first packet is due before it fires. */
function schedulePacer(due: number): void {
  if (pacer && due >= pacerAt) return;
  if (pacer) clearTimeout(pacer);
  pacerAt = due;
  pacer = setTimeout(pace, Math.max(0, due - performance.now()));
}

/** Where in the 20 ms call `index`'s packets fall (ms): fixed for the call's life. */
function phaseOf(index: number): number {
  if (PHASES === "burst") return 0;
  // A 32-bit integer hash (Murmur3's finaliser): uniform, and unrelated to the order of answers.
  let h = (index + 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (h / 2 ** 32) * 20;
}

/** The first packet's due time: now, or the next instant on this call's phase of the grid. */
function firstDue(index: number): number {
  const t = performance.now();
  if (PHASES === "answer") return t;
  const phase = phaseOf(index);
  return EPOCH + phase + 20 * Math.ceil((t - EPOCH - phase) / 20);
}

// The generator's own CPU per packet while every call streams: it must not be what is measured.
let cpuMark: { cpu: NodeJS.CpuUsage; packets: number; at: number } | undefined;
let sentTotal = 0;
let generatorCost: { cpuUsPerPacket: number; cpuPct: number } | undefined;
function markStreamingCost(): void {
  if (generatorCost || !cpuMark) return;
  const used = process.cpuUsage(cpuMark.cpu);
  const packets = sentTotal - cpuMark.packets;
  const ms = performance.now() - cpuMark.at;
  if (packets < 1 || ms < 500) return;
  const us = used.user + used.system;
  generatorCost = { cpuUsPerPacket: us / packets, cpuPct: (100 * us) / (ms * 1000) };
}

function startStreaming(c: Call): void {
  c.start = firstDue(c.index);
  c.k = 0;
  c.state = "streaming";
  streaming.add(c);
  schedulePacer(c.start);
}

function pace(): void {
  pacer = undefined;
  pacerAt = Number.POSITIVE_INFINITY;
  const t = performance.now();
  let next = Number.POSITIVE_INFINITY;
  for (const c of streaming) {
    let due = c.start + c.k * 20;
    while (due <= t && (c.state === "streaming" || c.state === "silent")) {
      const audible = c.state === "streaming";
      sendRtp(c, rtpPacket(c, 0, audible ? (c.audio.next().value as Uint8Array) : SILENCE, c.k === 0));
      // How late the packet left, measured as it left (not when the pacer woke).
      if (c.k % 50 === 0) lateness.push(performance.now() - due);
      c.ts += 160;
      c.k++;
      if (audible && c.k * 20 >= AUDIO_MS) action(c);
      due = c.start + c.k * 20;
    }
    if (c.state === "streaming" || c.state === "silent") next = Math.min(next, due);
    else streaming.delete(c);
  }
  if (performance.now() > deadline) {
    for (const c of streaming) finish(c, "failed");
    streaming.clear();
  }
  if (streaming.size) schedulePacer(next);
}

/** After --audio-ms of audio: what this call's script does. */
function action(c: Call): void {
  markStreamingCost();
  c.actionAt = now();
  if (RAW_PORTS.length) {
    finish(c, "done");
    return;
  }
  if (SCRIPT === "hangup") {
    c.state = "ending";
    c.endedBy = "us";
    const bye = () => {
      if (c.state !== "ending") return; // Belay hung up first
      c.actionAt = now();
      request(c, "BYE", branch(), 2);
      setTimeout(() => finish(c, "failed"), 10_000); // no 200 to our BYE
    };
    if (BYE_AFTER_MS > 0) setTimeout(bye, BYE_AFTER_MS);
    else bye();
  } else if (SCRIPT === "key") {
    sendKey(c);
    c.state = "silent";
  } else if (SCRIPT === "silence") {
    c.state = "silent";
  }
  // "wait": audio goes on until Belay hangs up (maxLength)
}

function newCall(index: number): Call {
  const call: Call = {
    index,
    callId: `${randomBytes(8).toString("hex")}@bench`,
    fromTag: randomBytes(4).toString("hex"),
    inviteBranch: branch(),
    ssrc: (0x10000000 + index) >>> 0,
    seq: (index * 7919) & 0xffff,
    ts: (index * 104729) >>> 0,
    rtpTo: 0,
    start: 0,
    k: 0,
    audio: callerAudioBytes(index),
    state: "inviting",
    inviteSentAt: 0,
    packets: 0,
    samples: [],
    resolve: () => {},
  };
  all.push(call);
  return call;
}

async function place(index: number): Promise<void> {
  const c = newCall(index);
  const done = new Promise<void>((resolve) => {
    c.resolve = resolve;
  });
  if (RAW_PORTS.length) {
    c.rtpTo = RAW_PORTS[index - FIRST_CALL] as number;
    startStreaming(c);
  } else {
    calls.set(c.callId, c);
    c.inviteSentAt = now();
    request(c, "INVITE", c.inviteBranch, 1, offer());
    // Bounded: no answer in 15 s, or no end by --max-sec, is a failed call.
    const timer = setTimeout(() => c.state === "inviting" && finish(c, "failed"), 15_000);
    void done.then(() => clearTimeout(timer));
  }
  await done;
}

// Calls placed at --rate per second, at most --concurrency at once.
let announced = false;
const rampStart = now();
const answeredWatch = setInterval(() => {
  const answered = all.filter((c) => c.answeredAt !== undefined || RAW_PORTS.length).length;
  if (!announced && answered >= CALLS) {
    announced = true;
    cpuMark = { cpu: process.cpuUsage(), packets: sentTotal, at: performance.now() };
    emit({ event: "all-streaming", at: now(), rampMs: now() - rampStart });
  }
}, 20);
let active = 0;
const freed: Array<() => void> = [];
const placed: Array<Promise<void>> = [];
const rampT0 = performance.now();
for (let i = 0; i < CALLS && performance.now() < deadline; i++) {
  while (active >= CONCURRENCY) await new Promise<void>((r) => freed.push(r));
  const wait = rampT0 + (i * 1000) / RATE - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  active++;
  placed.push(
    place(FIRST_CALL + i).then(() => {
      active--;
      freed.shift()?.();
    }),
  );
}
await Promise.all(placed);
clearInterval(answeredWatch);
if (pacer) clearTimeout(pacer);
await new Promise((r) => setTimeout(r, 300)); // late 200s to BYEs
emit({
  event: "report",
  calls: all.map((c) => ({
    index: c.index,
    callId: c.callId,
    from: callerNumber(c.index),
    ssrc: c.ssrc,
    state: c.state,
    endedBy: c.endedBy,
    packets: c.packets,
    audioFrames: Math.ceil(AUDIO_MS / 20),
    inviteSentAt: c.inviteSentAt,
    answeredAt: c.answeredAt,
    actionAt: c.actionAt,
    samples: c.samples,
  })),
  sendLatenessMs: lateness,
  generator: generatorCost,
});
sip.close();
rtp.close();
