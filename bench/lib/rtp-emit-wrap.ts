/**
 * The RTP handling-delay probe's core, with no change to src/: wraps dgram's Socket emit in the
 * thread it is imported in and, while on, notes when Belay's 'message' listener returned for 1 in
 * `sampleEvery` RTP packets (by SSRC and sequence number), and counts the RTP datagrams it sees.
 */
import dgram from "node:dgram";

export interface EmitProbeState {
  on: boolean;
  packets: number;
  sampleEvery: number;
  /** SSRC × 65536 + sequence → wall time the listener returned. */
  readonly handledAt: Map<number, number>;
}

/** Wall-clock ms, comparable across threads and with the generator's process on the same machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

export function wrapRtpEmit(sampleEvery: number): EmitProbeState {
  const state: EmitProbeState = { on: false, packets: 0, sampleEvery, handledAt: new Map() };
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
    if (state.on && event === "message") {
      const m = a as Buffer;
      // RTP version 2, PCMU: Belay's RTP sockets (SIP text never starts with 0b10).
      if (m.length >= 12 && (m[0] as number) >> 6 === 2 && ((m[1] as number) & 0x7f) === 0) {
        state.packets++;
        const seq = ((m[2] as number) << 8) | (m[3] as number);
        if (seq % state.sampleEvery === 0) state.handledAt.set(m.readUInt32BE(8) * 65536 + seq, wallNow());
      }
    }
    return result;
  } as typeof dgram.Socket.prototype.emit;
  return state;
}
