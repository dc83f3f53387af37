/** What Belay needs of SDP (RFC 4566) for one audio stream, and what offer/answer decided (RFC 3264). */

export type G711 = "PCMU" | "PCMA";

/** One side's audio: where it receives RTP and what it can take. */
export interface AudioOffer {
  address: string;
  port: number;
  /** Payload types in preference order, with their rtpmap (static 0/8 may lack one). */
  formats: Array<{ payloadType: number; encoding: string; clockRate: number; fmtp?: string }>;
  /** a=ptime, ms. */
  ptimeMs: number | undefined;
  /** a=sendrecv / sendonly / recvonly / inactive (hold), as this side declares it. */
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /** The m-line's transport, e.g. RTP/AVP (Belay takes only that). */
  protocol?: string;
}

/** The negotiated media of a call. */
export interface MediaPlan {
  codec: G711;
  payloadType: 0 | 8;
  /** Packet time Belay sends, 10–60 ms, following the peer's ptime. */
  ptimeMs: number;
  /** The peer's telephone-event payload type, if it offered RFC 4733. */
  telephoneEventPt: number | undefined;
  remote: { address: string; port: number };
  /**
   * Belay's direction, as Belay's SDP states it: "recvonly" when the peer holds with sendonly or
   * c=0.0.0.0 (Belay must not send), "sendonly" when the peer only receives, "inactive" for
   * neither. Send RTP only for sendrecv/sendonly.
   */
  direction: AudioOffer["direction"];
}
