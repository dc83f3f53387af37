/** The SIP message layer: parse, serialize, headers, addresses, responses. */
export { type CSeq, parseCSeq } from "./cseq.js";
export { isSipParseError, SipParseError } from "./errors.js";
export { createHeaders, HeaderFields, type HeaderInit } from "./headers.js";
export { formatNameAddr, parseNameAddr, type ScannedNameAddr, scanNameAddr } from "./name-addr.js";
export { isKeepAlive, parseSipMessage } from "./parse.js";
export { reasonPhrase } from "./reasons.js";
export { badRequestFor, buildResponse, type ResponseOptions } from "./response.js";
export { serializeSipMessage } from "./serialize.js";
export type * from "./types.js";
export { formatUri, parseUri, unescapeUri } from "./uri.js";
export { formatVia, parseVia } from "./via.js";
