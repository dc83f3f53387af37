/**
 * The media benchmark's RTP handling-delay probe, with no change to src/: wraps dgram's Socket
 * emit in this process and notes when Belay's 'message' listener returned for 1 in `sampleEvery`
 * RTP packets (by SSRC and sequence number), and counts the RTP datagrams it sees while on.
 */
import dgram from "node:dgram";
import { wallNow } from "./sip-load.js";

export interface RtpDelayProbe {
  /** SSRC × 65536 + sequence → wall time the listener returned. */
  readonly handledAt: Map<number, number>;
  /** RTP datagrams handled since start(). */
  readonly packets: number;
  start(): void;
  stop(): void;
  clear(): void;
}

export function installRtpDelayProbe(sampleEvery: number): RtpDelayProbe {
  let on = false;
  let packets = 0;
  const handledAt = new Map<number, number>();
  const emitOriginal = dgram.Socket.prototype.emit as (this: dgram.Socket, ...a: unknown[]) => boolean;
  // Fixed arity, no rest array: the probe runs on every datagram and is counted in Belay's CPU.
  dgram.Socket.prototype.emit = function (
    this: dgram.Socket,
    event: string | symbol,
    a?: unknown,
    b?: unknown,
  ) {
    // biome-ignore lint/complexity/noArguments: dgram's own events have at most two arguments
    if (arguments.length > 3) return emitOriginal.apply(this, arguments as unknown as unknown[]);
    const result = emitOriginal.call(this, event, a, b);
    if (on && event === "message") {
      const m = a as Buffer;
      // RTP version 2, PCMU: Belay's RTP sockets (SIP text never starts with 0b10).
      if (m.length >= 12 && (m[0] as number) >> 6 === 2 && ((m[1] as number) & 0x7f) === 0) {
        packets++;
        const seq = ((m[2] as number) << 8) | (m[3] as number);
        if (seq % sampleEvery === 0) handledAt.set(m.readUInt32BE(8) * 65536 + seq, wallNow());
      }
    }
    return result;
  } as typeof dgram.Socket.prototype.emit;
  return {
    handledAt,
    get packets() {
      return packets;
    },
    start() {
      packets = 0;
      on = true;
    },
    stop() {
      on = false;
    },
    clear() {
      handledAt.clear();
    },
  };
}
