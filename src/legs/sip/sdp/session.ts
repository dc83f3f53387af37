import type { AudioOffer } from "./types.js";

/** One `a=` line: `a=name:value`, or a flag `a=name` (value null). */
export interface SdpAttribute {
  name: string;
  value: string | null;
}

/** One m= section as sent. */
export interface SdpMedia {
  type: string;
  port: number;
  protocol: string;
  /** Format tokens as listed (payload type numbers for RTP). */
  formats: string[];
  /** This section's c= address, if it has one. */
  connection: string | undefined;
  attributes: SdpAttribute[];
}

/** What parseSdp reads of a session description (RFC 4566). */
export interface SdpSession {
  origin: { username: string; sessionId: string; version: string; address: string } | undefined;
  /** The session-level c= address. */
  connection: string | undefined;
  attributes: SdpAttribute[];
  media: SdpMedia[];
  /** The audio stream Belay would use: the first audio m-line with a port, else the first audio m-line. */
  audio: AudioOffer | undefined;
  /** Index of that m-line in `media`, -1 without audio: the answer keeps every m-line in place. */
  audioIndex: number;
}
