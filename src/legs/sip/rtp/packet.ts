/**
 * RTP fixed header (RFC 3550 §5.1). Parsing fills a caller-owned header object so the receive
 * path allocates nothing per packet; the payload is described by offset and length into the
 * datagram rather than copied.
 */

export const RTP_VERSION = 2;
export const RTP_HEADER_BYTES = 12;

/** Why a datagram is not an RTP packet Belay can use; "ok" when it is. */
export type RtpParseResult = "ok" | "short" | "version" | "rtcp" | "csrc" | "extension" | "padding";

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrcCount: number;
  /** Set only when the extension bit is; the profile's 16-bit identifier. */
  extensionProfile: number;
  extensionBytes: number;
  /** Where the payload starts in the datagram and how long it is, padding removed. */
  payloadOffset: number;
  payloadLength: number;
  paddingBytes: number;
}

export function emptyHeader(): RtpHeader {
  return {
    marker: false,
    payloadType: 0,
    sequence: 0,
    timestamp: 0,
    ssrc: 0,
    csrcCount: 0,
    extensionProfile: 0,
    extensionBytes: 0,
    payloadOffset: 0,
    payloadLength: 0,
    paddingBytes: 0,
  };
}

/**
 * RTCP shares the port under RFC 5761 multiplexing: its packet types 200-204 (SR, RR, SDES, BYE,
 * APP) sit where RTP's marker bit plus payload types 72-76 would, which no audio profile uses.
 */
export function isRtcp(data: Uint8Array): boolean {
  if (data.length < 2) return false;
  const type = data[1] as number;
  return type >= 200 && type <= 204;
}

/** Reads the header of `data` into `out`. Never throws: a malformed datagram is a result code. */
export function parseRtp(data: Uint8Array, out: RtpHeader): RtpParseResult {
  if (data.length < 4) return "short";
  const b0 = data[0] as number;
  if (b0 >> 6 !== RTP_VERSION) return "version";
  // Before the length check: an empty receiver report is only 8 bytes.
  if (isRtcp(data)) return "rtcp";
  if (data.length < RTP_HEADER_BYTES) return "short";
  const b1 = data[1] as number;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > data.length) return "csrc";
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = ((data[2] as number) << 8) | (data[3] as number);
  out.timestamp = readU32(data, 4);
  out.ssrc = readU32(data, 8);
  out.csrcCount = csrcCount;
  out.extensionProfile = 0;
  out.extensionBytes = 0;
  if (b0 & 0x10) {
    if (offset + 4 > data.length) return "extension";
    out.extensionProfile = ((data[offset] as number) << 8) | (data[offset + 1] as number);
    const words = ((data[offset + 2] as number) << 8) | (data[offset + 3] as number);
    out.extensionBytes = words * 4;
    offset += 4 + out.extensionBytes;
    if (offset > data.length) return "extension";
  }
  let end = data.length;
  out.paddingBytes = 0;
  if (b0 & 0x20) {
    // The last octet counts the padding, itself included: zero or more than the payload is a lie.
    const padding = data[end - 1] as number;
    if (padding === 0 || offset + padding > end) return "padding";
    out.paddingBytes = padding;
    end -= padding;
  }
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  return "ok";
}

/** Writes a plain 12-byte header (no CSRC, extension or padding) at the start of `buf`: the send path. */
export function writeRtpHeader(
  buf: Uint8Array,
  payloadType: number,
  marker: boolean,
  sequence: number,
  timestamp: number,
  ssrc: number,
): void {
  buf[0] = RTP_VERSION << 6;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf[2] = (sequence >> 8) & 0xff;
  buf[3] = sequence & 0xff;
  writeU32(buf, 4, timestamp);
  writeU32(buf, 8, ssrc);
}

/** A whole packet as values, for building test traffic and anything off the hot path. */
export interface RtpPacket {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  csrc?: number[];
  extension?: { profile: number; data: Uint8Array };
  /** Padding octets to append (1-255), the last one holding the count. */
  padding?: number;
  payload: Uint8Array;
}

export function serializeRtp(packet: RtpPacket): Buffer {
  const csrc = packet.csrc ?? [];
  if (csrc.length > 15) throw new RangeError("RTP carries at most 15 CSRCs");
  const ext = packet.extension;
  if (ext && ext.data.length % 4 !== 0) throw new RangeError("an RTP header extension is whole 32-bit words");
  const padding = packet.padding ?? 0;
  if (padding < 0 || padding > 255) throw new RangeError("RTP padding is 1-255 octets");
  const extBytes = ext ? 4 + ext.data.length : 0;
  const length = RTP_HEADER_BYTES + csrc.length * 4 + extBytes + packet.payload.length + padding;
  const buf = Buffer.alloc(length);
  writeRtpHeader(
    buf,
    packet.payloadType,
    packet.marker ?? false,
    packet.sequence,
    packet.timestamp,
    packet.ssrc,
  );
  buf[0] = (RTP_VERSION << 6) | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc.length;
  let offset = RTP_HEADER_BYTES;
  for (const id of csrc) {
    writeU32(buf, offset, id);
    offset += 4;
  }
  if (ext) {
    buf.writeUInt16BE(ext.profile & 0xffff, offset);
    buf.writeUInt16BE(ext.data.length / 4, offset + 2);
    buf.set(ext.data, offset + 4);
    offset += extBytes;
  }
  buf.set(packet.payload, offset);
  offset += packet.payload.length;
  if (padding) buf[length - 1] = padding;
  return buf;
}

/** The CSRC list of a parsed packet (allocates: diagnostics and tests only). */
export function readCsrcs(data: Uint8Array, header: RtpHeader): number[] {
  const ids: number[] = [];
  for (let i = 0; i < header.csrcCount; i++) ids.push(readU32(data, RTP_HEADER_BYTES + i * 4));
  return ids;
}

function readU32(data: Uint8Array, at: number): number {
  return (
    (((data[at] as number) << 24) |
      ((data[at + 1] as number) << 16) |
      ((data[at + 2] as number) << 8) |
      (data[at + 3] as number)) >>>
    0
  );
}

function writeU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = (value >>> 24) & 0xff;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}
