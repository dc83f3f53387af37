import type { AudioOffer, G711, MediaPlan } from "./types.js";

export const DEFAULT_PTIME_MS = 20;

export type Negotiation = { plan: MediaPlan } | { error: { status: 488; reason: string } };

/**
 * Belay's answer to an audio offer (RFC 3264 6.1): PCMU or PCMA, whichever the peer lists first,
 * at the peer's ptime clamped to 10–60 ms (20 without one), telephone-event at the peer's payload
 * type if offered, and the direction that mirrors the peer's. Anything else is a 488.
 */
export function negotiate(offer: AudioOffer): Negotiation {
  const refuse = (reason: string): Negotiation => ({ error: { status: 488, reason } });
  if (offer.port === 0) return refuse("audio stream disabled (port 0)");
  if (offer.protocol !== undefined && offer.protocol.toUpperCase() !== "RTP/AVP") {
    return refuse(`unsupported media transport ${offer.protocol}`);
  }
  if (offer.address === "") return refuse("no connection address");
  if (offer.address.includes(":")) return refuse("IPv6 media is not supported");
  const codec = pickG711(offer);
  if (codec === undefined) return refuse("no common codec: Belay takes PCMU or PCMA");
  return {
    plan: {
      codec: codec.codec,
      payloadType: codec.payloadType,
      ptimeMs: clampPtime(offer.ptimeMs),
      telephoneEventPt: telephoneEvent(offer),
      remote: { address: offer.address, port: offer.port },
      direction: mirror(offer.direction),
    },
  };
}

/** The first PCMU/PCMA in the peer's order, on its static payload type (RFC 3551). */
export function pickG711(
  side: AudioOffer,
  allowed: readonly number[] = [0, 8],
): { codec: G711; payloadType: 0 | 8 } | undefined {
  for (const f of side.formats) {
    const encoding = f.encoding.toUpperCase();
    if (f.clockRate !== 8000 || !allowed.includes(f.payloadType)) continue;
    if (f.payloadType === 0 && encoding === "PCMU") return { codec: "PCMU", payloadType: 0 };
    if (f.payloadType === 8 && encoding === "PCMA") return { codec: "PCMA", payloadType: 8 };
  }
  return undefined;
}

export function telephoneEvent(side: AudioOffer): number | undefined {
  return side.formats.find((f) => f.encoding.toLowerCase() === "telephone-event" && f.clockRate === 8000)
    ?.payloadType;
}

export function clampPtime(ptimeMs: number | undefined): number {
  if (ptimeMs === undefined || !Number.isFinite(ptimeMs) || ptimeMs <= 0) return DEFAULT_PTIME_MS;
  return Math.min(60, Math.max(10, Math.round(ptimeMs)));
}

/** What Belay declares given what the peer declared: the peer's sendonly is Belay's recvonly. */
export function mirror(direction: AudioOffer["direction"]): AudioOffer["direction"] {
  if (direction === "sendonly") return "recvonly";
  if (direction === "recvonly") return "sendonly";
  return direction;
}
