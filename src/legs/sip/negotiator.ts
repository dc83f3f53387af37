import type { MediaPlan } from "./sdp/types.js";

/** Where Belay's side of the media is: the address the SDP advertises and the call's RTP port. */
export interface LocalMedia {
  address: string;
  port: number;
}

export type Negotiated = { ok: true; plan: MediaPlan } | { ok: false; reason: string };

/**
 * SDP offer/answer as the SIP layer uses it (RFC 3264): one narrow port over the SDP module, so
 * the dialog code never reads or writes SDP text itself.
 */
export interface SdpNegotiator {
  /** The peer's offer: what Belay will use, or why nothing fits (→ 488). */
  negotiate(offer: Buffer): Negotiated;
  /** Belay's answer for a plan `negotiate` chose. */
  answer(plan: MediaPlan, local: LocalMedia): Buffer;
  /** Belay's offer for an outbound INVITE. */
  offer(local: LocalMedia): Buffer;
  /** The peer's answer to Belay's offer. */
  accept(answer: Buffer): Negotiated;
}
