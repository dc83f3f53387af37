/**
 * The test caller's RTP: G.711 u-law packets every 20 ms on a drift-free schedule from a UDP
 * socket, and RFC 4733 events; what Belay sends back is collected.
 */
import { createSocket, type Socket } from "node:dgram";

export class RtpPeer {
  readonly received: Buffer[] = [];
  private seq = 1000;
  private timestamp = 160_000;
  private readonly ssrc = 0x1234abcd;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on("message", (packet) => this.received.push(packet));
  }

  static async open(): Promise<RtpPeer> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    return new RtpPeer(socket, socket.address().port);
  }

  /** Sends `ulaw` as 160-byte packets paced at 20 ms; resolves after the last one. */
  async stream(ulaw: Uint8Array, to: number): Promise<void> {
    const start = performance.now();
    for (let offset = 0, k = 0; offset < ulaw.length; offset += 160, k++) {
      const due = start + k * 20;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.send(0, ulaw.subarray(offset, offset + 160), k === 0, to);
      this.timestamp += 160;
    }
  }

  private send(payloadType: number, payload: Uint8Array, marker: boolean, to: number): void {
    const packet = Buffer.alloc(12 + payload.length);
    packet[0] = 0x80;
    packet[1] = (marker ? 0x80 : 0) | payloadType;
    packet.writeUInt16BE(this.seq++ & 0xffff, 2);
    packet.writeUInt32BE(this.timestamp >>> 0, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    packet.set(payload, 12);
    this.socket.send(packet, to, "127.0.0.1");
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The RTP port in an SDP body's m=audio line. */
export function audioPort(sdp: Buffer | string): number {
  const match = /^m=audio (\d+) /m.exec(sdp.toString());
  if (!match) throw new Error(`no m=audio line in ${sdp.toString()}`);
  return Number(match[1]);
}
