import { randomBytes } from "node:crypto";
import type dgram from "node:dgram";
import { isIP } from "node:net";
import type { Logger } from "pino";
import type { FrameSource } from "../../../engine/leg.js";
import { BelayError } from "../../../errors.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../../media/frame.js";
import { FrameSlab } from "../../../media/frame-slab.js";
import { type Clock, RealClock, type Timer } from "../../../time/clock.js";
import type { MediaPlan } from "../sdp/types.js";
import { afterReads } from "./after-reads.js";
import { DTMF_KEYS, EVENT_PAYLOAD_BYTES, EventDeduplicator, eventCode } from "./dtmf.js";
import { emptyHeader, parseRtp } from "./packet.js";
import { CODEC_ALAW, CODEC_ULAW, MAX_PACKET_SAMPLES, PlayoutBuffer } from "./playout.js";
import { bindRtpPorts, closeSocket, type PortRange } from "./ports.js";
import { RtpSender } from "./sender.js";
import { SequenceTracker } from "./sequence.js";
import type { FrameHandlers, RtpMedia, RtpStats } from "./types.js";

export interface RtpSessionOptions {
  /** Address to bind (and the one the SDP advertises). */
  host: string;
  portRange: PortRange;
  clock: Clock;
  logger: Logger;
  /** Playout delay, 20-200 ms (default 60): how late a packet may be and still be heard. */
  jitterMs?: number;
  /** Also bind port+1 and ignore what arrives there (default true): peers send RTCP to it. */
  bindRtcp?: boolean;
  /** Called after each datagram on the RTP port has been handled: diagnostics and tests. */
  onDatagram?: () => void;
  /** The port slot to try first (media workers keep one cursor for all of them on the main thread). */
  startSlot?: number;
}

const PT_PCMU = 0;
const PT_PCMA = 8;
const PT_CN = 13;
/** A comfort-noise payload is a level byte plus a few spectral coefficients (RFC 3389). */
const MAX_CN_PAYLOAD = 64;
/** Drops logged one by one before the log only samples them (a flood must not flood the log). */
const DROP_LOG_FIRST = 20;
const DROP_LOG_EVERY = 1000;
/** Whole frames kept back from eager delivery: the event packet of a key sent beside them may follow. */
const EAGER_HOLDBACK_FRAMES = 1;

export async function openRtpSession(options: RtpSessionOptions): Promise<RtpSession> {
  const ports = await bindRtpPorts(
    options.host,
    options.portRange,
    options.bindRtcp ?? true,
    options.startSlot,
  );
  return new RtpSession(options, ports.rtp, ports.rtcp, ports.port);
}

type DropReason = "malformed" | "version" | "third-address" | "size" | "payload-type";

/**
 * One call's RTP. Receive: parse in place, latch to the first valid packet's real source
 * (symmetric RTP, RFC 4961), decode into the playout buffer, and on every 20 ms of the call's
 * clock hand up one frame, digits first. Send: see RtpSender. Nothing a peer sends can throw out
 * of the socket handler: bad packets are dropped and counted.
 */
export class RtpSession implements RtpMedia {
  private plan: MediaPlan | undefined;
  private handlers: FrameHandlers | undefined;
  private latched: { address: string; port: number } | undefined;
  private sdpTargetUsable = false;
  private readonly header = emptyHeader();
  private readonly sequence = new SequenceTracker();
  private readonly playout: PlayoutBuffer;
  private readonly frames = new FrameSlab();
  private readonly events = new EventDeduplicator();
  private readonly sender: RtpSender;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly onDatagram: (() => void) | undefined;
  private hasAudioSsrc = false;
  private audioSsrc = 0;
  /** Digits waiting for their playout position, in arrival order. */
  private readonly digitQueue: Array<{ digit: string; at: number }> = [];
  private startedAt = 0;
  private framesDelivered = 0;
  private catchingUp = false;
  private catchUp: NodeJS.Immediate | undefined;
  /** Simulated clocks have no stalled event loop to make up for; only the real one defers to I/O. */
  private readonly realTime: boolean;
  private tickTimer: Timer | undefined;
  private closed = false;
  private closing: Promise<RtpStats> | undefined;
  private received = 0;
  private late = 0;
  private dropped = 0;

  private readonly onMessage = (data: Buffer, from: dgram.RemoteInfo) => {
    try {
      this.receive(data, from);
    } catch (err) {
      // A bug, not the peer's fault; still, one bad packet must not take the call down.
      this.drop("malformed", from, err instanceof Error ? err.message : String(err));
    }
    this.onDatagram?.();
  };
  private readonly onTick = () => this.tick();
  private readonly onReady = () => this.deliverReadySafely();
  private readonly transmit = (packet: Uint8Array, length: number): boolean =>
    this.sendDatagram(packet, length);

  constructor(
    options: RtpSessionOptions,
    private readonly socket: dgram.Socket,
    private readonly rtcpSocket: dgram.Socket | undefined,
    readonly localPort: number,
  ) {
    this.clock = options.clock;
    this.realTime = options.clock instanceof RealClock;
    this.log = options.logger.child({ component: "rtp", port: localPort });
    this.onDatagram = options.onDatagram;
    this.playout = new PlayoutBuffer(options.jitterMs ?? 60);
    const random = randomBytes(10);
    this.sender = new RtpSender(this.clock, this.transmit, {
      ssrc: random.readUInt32BE(0),
      sequence: random.readUInt16BE(4),
      timestamp: random.readUInt32BE(6),
    });
    socket.on("message", this.onMessage);
    socket.on("error", (err) => this.log.warn({ err }, "RTP socket error"));
    // RTCP is read and thrown away: Belay reports its own stats and needs none of the peer's.
    rtcpSocket?.on("message", () => {});
    rtcpSocket?.on("error", (err) => this.log.debug({ err }, "RTCP socket error"));
  }

  configure(plan: MediaPlan): void {
    const previous = this.plan;
    this.plan = plan;
    this.sdpTargetUsable = usableTarget(
      plan.remote,
      this.socket.address().family === "IPv6" ? "IPv6" : "IPv4",
    );
    if (!this.sdpTargetUsable) {
      this.log.info(
        { remote: plan.remote },
        "not sending RTP to the SDP address; waiting for the peer's packets",
      );
    }
    this.sender.setFormat({
      payloadType: plan.payloadType,
      ptimeMs: plan.ptimeMs,
      telephoneEventPt: plan.telephoneEventPt,
    });
    // A re-INVITE that moves the peer's media: latch afresh to wherever its packets come from now.
    if (
      previous &&
      (previous.remote.address !== plan.remote.address || previous.remote.port !== plan.remote.port)
    ) {
      this.latched = undefined;
    }
  }

  start(handlers: FrameHandlers): void {
    if (this.closed || this.handlers) return;
    this.handlers = handlers;
    this.startedAt = this.clock.now();
    this.framesDelivered = 0;
    this.scheduleTick();
  }

  play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    if (!this.plan) {
      return Promise.reject(
        new BelayError("RTP_NOT_CONFIGURED", "RTP media has no negotiated plan to play with"),
      );
    }
    return this.sender.play(pcm, signal);
  }

  stream(source: FrameSource, signal: AbortSignal): Promise<void> {
    if (!this.plan) {
      return Promise.reject(
        new BelayError("RTP_NOT_CONFIGURED", "RTP media has no negotiated plan to stream with"),
      );
    }
    return this.sender.stream(source, signal);
  }

  sendDigits(digits: string, pauseMs: number, signal: AbortSignal): Promise<void> {
    if (!this.plan) {
      return Promise.reject(
        new BelayError("RTP_NOT_CONFIGURED", "RTP media has no negotiated plan to send digits with"),
      );
    }
    if (this.plan.telephoneEventPt === undefined) {
      // Never the keys themselves: they may be privacyMode input (docs/privacy.md).
      this.log.info({ keys: digits.length }, "digits not sent: the peer did not offer telephone-event");
      return Promise.resolve();
    }
    const codes: number[] = [];
    for (const [position, digit] of [...digits].entries()) {
      const code = eventCode(digit);
      if (code >= 0) codes.push(code);
      else this.log.warn({ position }, "not a DTMF key: skipped");
    }
    return this.sender.sendEvents(codes, Math.max(0, pauseMs), signal);
  }

  stats(): RtpStats {
    return {
      packetsReceived: this.received,
      packetsSent: this.sender.packetsSent,
      packetsLost: this.sequence.packetsLost,
      jitterMs: Math.round(this.sequence.jitterMs(8000) * 100) / 100,
      late: this.late,
      dropped: this.dropped,
    };
  }

  close(): Promise<RtpStats> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    if (this.catchUp) clearImmediate(this.catchUp);
    this.sender.close();
    this.socket.off("message", this.onMessage);
    this.closing = Promise.all([
      closeSocket(this.socket),
      this.rtcpSocket ? closeSocket(this.rtcpSocket) : Promise.resolve(),
    ]).then(() => this.stats());
    return this.closing;
  }

  // --- receive ---

  private receive(data: Buffer, from: dgram.RemoteInfo): void {
    if (this.closed) return;
    const h = this.header;
    const parsed = parseRtp(data, h);
    if (parsed === "rtcp") return;
    if (parsed !== "ok") {
      this.drop(parsed === "version" ? "version" : "malformed", from, parsed);
      return;
    }
    const latched = this.latched;
    if (
      latched &&
      (from.port !== latched.port || from.address !== latched.address) &&
      !this.fromSdpAddress(from)
    ) {
      this.drop("third-address", from, `latched to ${latched.address}:${latched.port}`);
      return;
    }
    const pt = h.payloadType;
    const length = h.payloadLength;
    let kind: "audio" | "cn" | "event";
    if (pt === PT_PCMU || pt === PT_PCMA) {
      kind = "audio";
      if (length < 1 || length > MAX_PACKET_SAMPLES) {
        this.drop("size", from, `${length} bytes of audio`);
        return;
      }
    } else if (pt === PT_CN) {
      kind = "cn";
      if (length > MAX_CN_PAYLOAD) {
        this.drop("size", from, `${length} bytes of comfort noise`);
        return;
      }
    } else if (this.plan?.telephoneEventPt !== undefined && pt === this.plan.telephoneEventPt) {
      kind = "event";
      if (length !== EVENT_PAYLOAD_BYTES) {
        this.drop("size", from, `${length} bytes of telephone-event`);
        return;
      }
    } else {
      this.drop("payload-type", from, `payload type ${pt}`);
      return;
    }
    if (!latched || latched.port !== from.port || latched.address !== from.address) {
      this.latched = { address: from.address, port: from.port };
      this.log.debug({ address: from.address, port: from.port }, "RTP latched to the peer's source");
    }
    this.received++;
    if (kind === "event") this.receiveEvent(data);
    else this.receiveAudio(data, kind === "cn");
  }

  private receiveAudio(data: Buffer, comfortNoise: boolean): void {
    const h = this.header;
    if (!this.hasAudioSsrc || h.ssrc !== this.audioSsrc) {
      if (this.hasAudioSsrc) this.log.debug({ from: this.audioSsrc, to: h.ssrc }, "RTP source changed SSRC");
      this.hasAudioSsrc = true;
      this.audioSsrc = h.ssrc;
      this.sequence.reset();
      this.playout.reanchor();
    }
    const verdict = this.sequence.observe(h.sequence);
    if (verdict === "duplicate") return;
    if (verdict === "restart" || h.marker || comfortNoise) {
      this.playout.reanchor();
      this.sequence.resetTransit();
    }
    const now = this.clock.now();
    this.sequence.observeTransit(now * 8, h.timestamp);
    // Comfort noise is heard as silence: its slots stay empty; the next talkspurt re-anchors.
    if (comfortNoise || !this.handlers) return;
    const codec = h.payloadType === PT_PCMU ? CODEC_ULAW : CODEC_ALAW;
    const written = this.playout.write(
      h.timestamp,
      data,
      h.payloadOffset,
      h.payloadLength,
      codec,
      (this.framesDue(now) - this.framesDelivered) * FRAME_SAMPLES,
    );
    if (written === "late") this.late++;
    this.deliverReadySoon();
  }

  private receiveEvent(data: Buffer): void {
    const h = this.header;
    const onAudioSsrc = this.hasAudioSsrc && h.ssrc === this.audioSsrc;
    // baresip's events share the audio's SSRC and sequence; counting them keeps its loss honest.
    if (onAudioSsrc && this.sequence.observe(h.sequence) === "duplicate") return;
    if (!this.handlers) return;
    const event = data[h.payloadOffset] as number;
    if (event >= DTMF_KEYS.length) return; // flash, tones and the like: not keys
    const end = ((data[h.payloadOffset + 1] as number) & 0x80) !== 0;
    if (!this.events.observe(h.ssrc, h.timestamp, event, end, this.clock.now())) return;
    this.digitQueue.push({
      digit: DTMF_KEYS[event] as string,
      at: this.playout.eventPosition(h.timestamp, onAudioSsrc),
    });
    this.deliverReadySoon();
  }

  /**
   * Hands up at once every frame whose audio has all arrived, and the digits due before them,
   * instead of waiting for the frame's deadline one playout delay on: the delay is how long a
   * missing packet is waited for, not a latency every frame pays. A key (which may end a
   * recording) goes up as soon as the audio before it has. The clock's mapping to playout
   * positions is unchanged (the ticks skip frames already delivered), so a frame with a packet
   * missing still waits for its deadline, and reordered packets still land where they belong.
   * Bounded: never more than a delay (plus the frame in hand) ahead of the clock, so a sender
   * whose clock runs fast fills the buffer and is cut back as before, rather than pulling the
   * call's frames ahead of its clock without end; and the newest whole frame is held back, so a
   * key sent beside it (its event packet just after the frame's audio) still goes up first.
   */
  private deliverReady(): void {
    const handlers = this.handlers;
    if (!handlers) return;
    const maxLead = this.playout.delayFrames + 1;
    while (
      this.deliverDueDigits(handlers) &&
      // A key waiting already marks where its audio ends: nothing to hold back for.
      this.playout.readyFrames() > (this.digitQueue.length > 0 ? 0 : EAGER_HOLDBACK_FRAMES) &&
      this.framesDelivered - this.framesDue(this.clock.now()) < maxLead
    ) {
      this.framesDelivered++;
      this.readFrameUp(handlers);
    }
  }

  /**
   * The address the SDP named always wins the latch: whoever raced a packet in first from
   * elsewhere (RTP bleed) loses it as soon as the real peer's media arrives from where it said.
   */
  private fromSdpAddress(from: dgram.RemoteInfo): boolean {
    const remote = this.plan?.remote;
    return remote !== undefined && remote.port === from.port && remote.address === from.address;
  }

  private drop(reason: DropReason, from: dgram.RemoteInfo, detail: string): void {
    this.dropped++;
    if (this.dropped <= DROP_LOG_FIRST || this.dropped % DROP_LOG_EVERY === 0) {
      this.log.debug(
        { reason, detail, address: from.address, port: from.port, dropped: this.dropped },
        "RTP packet dropped",
      );
    }
  }

  // --- playout ---

  private scheduleTick(): void {
    const due = this.startedAt + (this.framesDelivered + 1) * FRAME_MS;
    this.tickTimer = this.clock.setTimeout(this.onTick, due - this.clock.now());
  }

  /** Frames the clock says should have gone up by `now`. */
  private framesDue(now: number): number {
    return Math.floor((now - this.startedAt) / FRAME_MS);
  }

  /** Frame k covers [20k, 20k+20) ms after start and goes up at its end; a late timer catches up. */
  private tick(): void {
    this.tickTimer = undefined;
    const now = this.clock.now();
    if (
      this.realTime &&
      !this.catchingUp &&
      now - (this.startedAt + (this.framesDelivered + 1) * FRAME_MS) >= FRAME_MS
    ) {
      // The event loop was held up (GC, a busy call). Timers run before I/O in Node's loop, so the
      // packets that came meanwhile are still unread: let the poll phase read them (setImmediate
      // runs after it; a 0 ms timer could run before it), then catch up, or they would all be late.
      this.catchingUp = true;
      this.catchUp = setImmediate(this.onTick);
      return;
    }
    this.catchingUp = false;
    this.catchUp = undefined;
    while (!this.closed && this.startedAt + (this.framesDelivered + 1) * FRAME_MS <= now) {
      this.framesDelivered++;
      try {
        this.deliverFrame();
      } catch (err) {
        // The handler's failure is the call's to deal with; the clock of every frame after it is ours.
        this.log.error({ err }, "frame handler threw");
      }
    }
    // The frames after a gap that has just gone out as silence may be whole already.
    if (!this.closed) this.deliverReadySafely();
    if (!this.closed) this.scheduleTick();
  }

  /** On the real clock once the socket reads of this turn are done; on a test's clock at once. */
  private deliverReadySoon(): void {
    if (this.realTime) afterReads(this.onReady);
    else this.deliverReadySafely();
  }

  private deliverReadySafely(): void {
    if (this.closed) return;
    try {
      this.deliverReady();
    } catch (err) {
      this.log.error({ err }, "frame handler threw");
    }
  }

  /** Delivers synchronously: the promise is settled by the time it is returned. */
  async drain(): Promise<void> {
    if (this.closed || !this.handlers) return;
    for (let n = this.playout.bufferedFrames(); n > 0 && !this.closed; n--) {
      this.framesDelivered++;
      this.deliverFrame();
    }
    // Digits that came after the last audio (sipp's own-SSRC events) are due now too.
    const handlers = this.handlers;
    while (!this.closed && this.digitQueue.length > 0)
      handlers.digit((this.digitQueue.shift() as { digit: string }).digit);
  }

  private deliverFrame(): void {
    const handlers = this.handlers;
    if (handlers && this.deliverDueDigits(handlers)) this.readFrameUp(handlers);
  }

  /** Hands up the digits whose position falls before the end of the next frame; false once closed. */
  private deliverDueDigits(handlers: { digit(digit: string): void }): boolean {
    const queue = this.digitQueue;
    while (queue.length > 0 && this.playout.dueInNextFrame((queue[0] as { at: number }).at)) {
      handlers.digit((queue.shift() as { digit: string }).digit);
      if (this.closed) return false;
    }
    return !this.closed;
  }

  /** Reads frame number `framesDelivered` (already counted) up, due at the end of its 20 ms. */
  private readFrameUp(handlers: FrameHandlers): void {
    // A fresh frame each time: the engine may keep it (recordings, the media bus).
    const frame = this.frames.next();
    this.playout.readFrame(frame);
    handlers.frame(frame, this.startedAt + this.framesDelivered * FRAME_MS);
  }

  // --- send ---

  /** False when the packet was not sent: on hold, or nowhere usable to send it yet. */
  private sendDatagram(packet: Uint8Array, length: number): boolean {
    const plan = this.plan;
    // The plan's direction is Belay's own (the mirror of the peer's): on hold it sends nothing.
    if (this.closed || !plan || plan.direction === "inactive" || plan.direction === "recvonly") return false;
    const target = this.latched ?? (this.sdpTargetUsable ? plan.remote : undefined);
    if (!target) return false;
    this.socket.send(packet, 0, length, target.port, target.address);
    return true;
  }
}

/**
 * Only an IP literal of the socket's family is sent to before latching: dgram would resolve a
 * host name on every packet, and c=0.0.0.0 or port 0 mean "do not send" (RFC 3264 §8.4).
 */
function usableTarget(remote: { address: string; port: number }, family: "IPv4" | "IPv6"): boolean {
  const version = isIP(remote.address);
  if (version !== (family === "IPv4" ? 4 : 6)) return false;
  if (remote.address === "0.0.0.0" || remote.address === "::") return false;
  return Number.isInteger(remote.port) && remote.port > 0 && remote.port <= 65535;
}
