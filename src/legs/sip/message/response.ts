import type { SipParseError } from "./errors.js";
import { createHeaders, type HeaderInit } from "./headers.js";
import { scanNameAddr } from "./name-addr.js";
import { reasonPhrase } from "./reasons.js";
import type { SipHeaders, SipRequest, SipResponse } from "./types.js";

export interface ResponseOptions {
  /** Added to To when the request's To has no tag (RFC 3261 8.2.6.2). */
  toTag?: string;
  body?: Buffer;
}

/**
 * A response to `request` per RFC 3261 8.2.6: every Via in order, From, To (with `toTag` added
 * unless it already has one), Call-ID and CSeq copied; Timestamp echoed on a 100. Extra headers
 * follow, in the order given. Content-Length is the serializer's job.
 */
export function buildResponse(
  request: Pick<SipRequest, "headers">,
  status: number,
  reason?: string,
  extraHeaders?: HeaderInit,
  options: ResponseOptions = {},
): SipResponse {
  const headers = createHeaders();
  copyTransactionHeaders(request.headers, headers, options.toTag);
  if (status === 100) {
    const timestamp = request.headers.get("Timestamp");
    if (timestamp !== undefined) headers.append("Timestamp", timestamp);
  }
  if (extraHeaders !== undefined) {
    for (const [name, value] of createHeaders(extraHeaders).lines()) headers.append(name, value);
  }
  return {
    kind: "response",
    status,
    reason: reason ?? reasonPhrase(status),
    headers,
    body: options.body ?? Buffer.alloc(0),
  };
}

/**
 * The 400 (or 505) for a request that failed to parse, if it can be routed back: the error must
 * come from a request that is not an ACK (never answered, RFC 3261 17.2.1) and carry Via, From,
 * To, Call-ID and CSeq. Otherwise undefined: drop the datagram.
 */
export function badRequestFor(error: SipParseError): SipResponse | undefined {
  const { headers } = error;
  if (error.kind !== "request" || error.method === "ACK" || headers === undefined) return undefined;
  for (const name of ["Via", "From", "To", "Call-ID", "CSeq"]) if (!headers.get(name)) return undefined;
  return buildResponse({ headers }, error.status, error.status === 505 ? undefined : error.reason);
}

function copyTransactionHeaders(from: SipHeaders, to: SipHeaders, toTag: string | undefined): void {
  for (const via of from.getAll("Via")) to.append("Via", via);
  to.append("From", from.get("From") ?? "");
  to.append("To", withTag(from.get("To") ?? "", toTag));
  to.append("Call-ID", from.get("Call-ID") ?? "");
  to.append("CSeq", from.get("CSeq") ?? "");
}

function withTag(to: string, tag: string | undefined): string {
  if (tag === undefined) return to;
  try {
    if (scanNameAddr(to, "To").params.has("tag")) return to;
  } catch {
    // A To that does not parse gets no tag: it is echoed as sent.
  }
  return `${to};tag=${tag}`;
}
