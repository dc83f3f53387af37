/** SDP offer/answer for one G.711 audio stream (RFC 4566, RFC 3264). */
export { parseAnswer } from "./answer.js";
export { buildAnswer, buildOffer, type LocalSdp, type OfferOptions } from "./build.js";
export { isSdpError, SdpNegotiationError, SdpParseError } from "./errors.js";
export { DEFAULT_PTIME_MS, type Negotiation, negotiate } from "./negotiate.js";
export { createSdpNegotiator } from "./negotiator.js";
export { parseSdp } from "./parse.js";
export type { SdpAttribute, SdpMedia, SdpSession } from "./session.js";
export type * from "./types.js";
