/**
 * A caller's RTP port as a test sees it: a UDP socket on 127.0.0.1 that keeps every PCMU packet
 * it receives, and the audio they carry decoded in sequence order.
 */
import { createSocket, type Socket } from "node:dgram";
import { decodeUlaw } from "../../src/media/g711.js";

interface Packet {
  /** Sequence number unwrapped from the first one received (16 bits wrap). */
  seq: number;
  payload: Buffer;
}

export class RtpListener {
  private readonly packets: Packet[] = [];
  private readonly waiters = new Set<() => void>();
  private firstSeq: number | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on("message", (packet) => this.take(packet));
  }

  static async open(): Promise<RtpListener> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    return new RtpListener(socket, socket.address().port);
  }

  get packetCount(): number {
    return this.packets.length;
  }

  /** Every PCMU payload so far, in sequence order, decoded to 8 kHz samples. */
  audio(): Int16Array {
    const sorted = [...this.packets].sort((a, b) => a.seq - b.seq);
    return decodeUlaw(Buffer.concat(sorted.map((p) => p.payload)));
  }

  /** Resolves once `ready()` holds after a packet arrives (or already does). */
  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!ready()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private take(packet: Buffer): void {
    if (packet.length < 12 || packet[0] === undefined || packet[0] >> 6 !== 2) return;
    const payloadType = (packet[1] ?? 0) & 0x7f;
    if (payloadType !== 0) return;
    const csrcs = packet[0] & 0x0f;
    let offset = 12 + 4 * csrcs;
    if (packet[0] & 0x10) offset += 4 + 4 * packet.readUInt16BE(offset + 2);
    const raw = packet.readUInt16BE(2);
    this.firstSeq ??= raw;
    const last = this.packets.at(-1)?.seq ?? 0;
    // Unwrap: the candidate nearest the last one seen.
    let seq = raw - this.firstSeq;
    while (seq < last - 32768) seq += 65536;
    this.packets.push({ seq, payload: packet.subarray(offset) });
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Where `needle` first occurs in `haystack`, exactly, at or after `from`; -1 if nowhere. */
export function indexOfSamples(haystack: Int16Array, needle: Int16Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
