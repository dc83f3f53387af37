/**
 * A reader for classic libpcap capture files (not pcapng), enough to take the RTP out of the
 * captures sipp replays: Ethernet (with or without one 802.1Q tag) / IPv4 / UDP / RTP (RFC 3550).
 */

export interface UdpPacket {
  /** Capture time, microseconds since the epoch. */
  timeUs: number;
  src: { address: string; port: number };
  dst: { address: string; port: number };
  payload: Uint8Array;
}

export interface RtpPacket {
  timeUs: number;
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const IP_PROTOCOL_UDP = 17;

/** Every IPv4/UDP datagram in the capture, in file order; anything else is skipped. */
export function readPcapUdp(bytes: Uint8Array): UdpPacket[] {
  if (bytes.length < 24) throw new Error(`not a pcap file: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  let little: boolean;
  let nanos: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    little = true;
    nanos = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    little = false;
    nanos = magic === 0x4d3cb2a1;
  } else {
    throw new Error(`not a libpcap file: magic 0x${magic.toString(16)}`);
  }
  const linkType = view.getUint32(20, little);
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`link type ${linkType}: only Ethernet (1) is read`);
  const packets: UdpPacket[] = [];
  let at = 24;
  while (at + 16 <= bytes.length) {
    const seconds = view.getUint32(at, little);
    const fraction = view.getUint32(at + 4, little);
    const captured = view.getUint32(at + 8, little);
    const start = at + 16;
    at = start + captured;
    if (at > bytes.length) throw new Error(`truncated record at byte ${start - 16}`);
    const timeUs = seconds * 1_000_000 + (nanos ? Math.floor(fraction / 1000) : fraction);
    const udp = udpOf(bytes.subarray(start, at), timeUs);
    if (udp) packets.push(udp);
  }
  if (at !== bytes.length) throw new Error(`trailing ${bytes.length - at + 16} bytes after the last record`);
  return packets;
}

function udpOf(frame: Uint8Array, timeUs: number): UdpPacket | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let offset = 12;
  if (frame.length < offset + 2) return undefined;
  let etherType = view.getUint16(offset);
  if (etherType === ETHERTYPE_VLAN) {
    offset += 4;
    if (frame.length < offset + 2) return undefined;
    etherType = view.getUint16(offset);
  }
  if (etherType !== ETHERTYPE_IPV4) return undefined;
  const ip = offset + 2;
  if (frame.length < ip + 20 || frame[ip] === undefined || (frame[ip] as number) >> 4 !== 4) return undefined;
  const headerBytes = ((frame[ip] as number) & 0x0f) * 4;
  const totalLength = view.getUint16(ip + 2);
  const fragment = view.getUint16(ip + 6);
  if (frame[ip + 9] !== IP_PROTOCOL_UDP || (fragment & 0x3fff) !== 0) return undefined; // no fragments
  const udp = ip + headerBytes;
  const ipEnd = Math.min(frame.length, ip + totalLength);
  if (udp + 8 > ipEnd) return undefined;
  const udpLength = view.getUint16(udp + 4);
  const end = Math.min(ipEnd, udp + udpLength);
  return {
    timeUs,
    src: { address: frame.subarray(ip + 12, ip + 16).join("."), port: view.getUint16(udp) },
    dst: { address: frame.subarray(ip + 16, ip + 20).join("."), port: view.getUint16(udp + 2) },
    payload: frame.subarray(udp + 8, end),
  };
}

/** One RTP packet (RFC 3550 section 5.1): CSRCs, a header extension and padding are skipped. */
export function parseRtp(datagram: Uint8Array, timeUs = 0): RtpPacket | undefined {
  if (datagram.length < 12 || (datagram[0] as number) >> 6 !== 2) return undefined;
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const first = datagram[0] as number;
  let offset = 12 + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (datagram.length < offset + 4) return undefined;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = datagram.length;
  if (first & 0x20) end -= datagram[datagram.length - 1] as number;
  if (offset > end) return undefined;
  const second = datagram[1] as number;
  return {
    timeUs,
    payloadType: second & 0x7f,
    marker: (second & 0x80) !== 0,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: datagram.subarray(offset, end),
  };
}

/** Every RTP packet of a capture, in file order. */
export function readPcapRtp(bytes: Uint8Array): RtpPacket[] {
  const out: RtpPacket[] = [];
  for (const udp of readPcapUdp(bytes)) {
    const rtp = parseRtp(udp.payload, udp.timeUs);
    if (rtp) out.push(rtp);
  }
  return out;
}
