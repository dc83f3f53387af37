import { SdpNegotiationError } from "./errors.js";
import { clampPtime, mirror, pickG711, telephoneEvent } from "./negotiate.js";
import { parseSdp } from "./parse.js";
import type { SdpSession } from "./session.js";
import type { MediaPlan } from "./types.js";

/**
 * The plan for an outbound call from the peer's answer to Belay's offer (RFC 3264 7): the
 * answer's first PCMU/PCMA that Belay offered, the answer's telephone-event payload type, its
 * ptime (clamped, else Belay's offered one, else 20) and direction. Throws SdpParseError for
 * unreadable SDP and SdpNegotiationError for an answer Belay cannot use.
 */
export function parseAnswer(offerWeSent: string | SdpSession, answerText: string | Buffer): MediaPlan {
  const offer = typeof offerWeSent === "string" ? parseSdp(offerWeSent) : offerWeSent;
  const answer = parseSdp(answerText).audio;
  if (answer === undefined) throw new SdpNegotiationError("no audio stream in the answer");
  if (answer.port === 0) throw new SdpNegotiationError("audio stream declined (port 0)");
  if (answer.address === "" || answer.address.includes(":")) {
    throw new SdpNegotiationError("no usable IPv4 connection address");
  }
  const offered = offer.audio?.formats.map((f) => f.payloadType) ?? [0, 8];
  const codec = pickG711(answer, offered);
  if (codec === undefined) throw new SdpNegotiationError("the answer has no PCMU or PCMA that Belay offered");
  return {
    codec: codec.codec,
    payloadType: codec.payloadType,
    ptimeMs: clampPtime(answer.ptimeMs ?? offer.audio?.ptimeMs),
    telephoneEventPt:
      offer.audio && telephoneEvent(offer.audio) !== undefined ? telephoneEvent(answer) : undefined,
    remote: { address: answer.address, port: answer.port },
    direction: mirror(answer.direction),
  };
}
