import dgram from "node:dgram";
import { BelayError } from "../../../errors.js";

export interface PortRange {
  min: number;
  max: number;
}

/**
 * Where the next search starts, per range: moving on from the last port handed out keeps a port
 * just released (whose peer may still be sending) out of the next call for as long as possible.
 */
const cursors = new Map<string, number>();

export interface BoundPorts {
  rtp: dgram.Socket;
  rtcp: dgram.Socket | undefined;
  port: number;
}

/** The range's first even port: slot 0. */
function firstPort(range: PortRange): number {
  return range.min + (range.min % 2);
}

/** The slot of `port` in the range, as bindRtpPorts counts them. */
export function portSlot(range: PortRange, port: number): number {
  return Math.floor((port - firstPort(range)) / 2);
}

/**
 * Binds RTP on a free even port in the range (RFC 3550 §11) and, when asked, the odd port above
 * it so the peer's RTCP lands on an open socket rather than drawing ICMP errors.
 */
export async function bindRtpPorts(
  host: string,
  range: PortRange,
  withRtcp: boolean,
  /** Where to start looking (a slot: the n-th usable port), when the caller keeps the cursor. */
  startSlot?: number,
): Promise<BoundPorts> {
  const first = firstPort(range);
  const last = withRtcp ? range.max - 1 : range.max;
  if (!Number.isInteger(first) || !Number.isInteger(last) || first > last || first < 1 || range.max > 65535) {
    throw new BelayError(
      "RTP_PORT_RANGE_INVALID",
      `RTP port range ${range.min}-${range.max} has no even port to use`,
      {
        ...range,
      },
    );
  }
  const count = Math.floor((last - first) / 2) + 1;
  const key = `${host}|${first}|${last}`;
  const startAt = startSlot ?? cursors.get(key) ?? 0;
  for (let i = 0; i < count; i++) {
    const slot = (startAt + i) % count;
    const port = first + slot * 2;
    const rtp = await tryBind(host, port);
    if (!rtp) continue;
    let rtcp: dgram.Socket | undefined;
    if (withRtcp) {
      rtcp = await tryBind(host, port + 1);
      if (!rtcp) {
        await closeSocket(rtp);
        continue;
      }
    }
    cursors.set(key, (slot + 1) % count);
    return { rtp, rtcp, port };
  }
  throw new BelayError("RTP_PORTS_EXHAUSTED", `no free RTP port in ${range.min}-${range.max} on ${host}`, {
    host,
    ...range,
  });
}

function tryBind(host: string, port: number): Promise<dgram.Socket | undefined> {
  const type = host.includes(":") ? "udp6" : "udp4";
  const socket = dgram.createSocket({ type });
  return new Promise((resolve) => {
    const onError = () => {
      socket.close();
      resolve(undefined);
    };
    socket.once("error", onError);
    socket.bind(port, host, () => {
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
