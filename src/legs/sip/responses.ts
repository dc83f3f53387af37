import { parseCSeq } from "./message/cseq.js";
import { scanNameAddr } from "./message/name-addr.js";
import { buildResponse } from "./message/response.js";
import type { SipMessage, SipRequest, SipResponse } from "./message/types.js";

/** Methods Belay's user agent takes (Allow in 405s and OPTIONS). */
export const ALLOWED_METHODS = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"] as const;
export const ALLOW = ALLOWED_METHODS.join(", ");
export const ACCEPT = "application/sdp";
export const USER_AGENT = "Belay";

export interface ResponseOptions {
  /** Added to To when it has none (a UAS's dialog-forming responses; never on 100). */
  toTag?: string;
  headers?: Record<string, string>;
  body?: { contentType: string; bytes: Buffer };
}

/** A response to `request` (RFC 3261 8.2.6, the message layer's buildResponse) with Belay's Server header. */
export function responseFor(
  request: Pick<SipRequest, "headers">,
  status: number,
  reason?: string,
  options: ResponseOptions = {},
): SipResponse {
  const extra: Array<[string, string]> = [["Server", USER_AGENT], ...Object.entries(options.headers ?? {})];
  if (options.body) extra.push(["Content-Type", options.body.contentType]);
  const toTag = status > 100 ? options.toTag : undefined;
  // Reason phrases come from parse errors too: keep them on one line.
  const phrase = reason?.replace(/[\r\n]+/g, " ");
  return buildResponse(request, status, phrase, extra, {
    ...(toTag ? { toTag } : {}),
    ...(options.body ? { body: options.body.bytes } : {}),
  });
}

export function cseqOf(message: SipMessage): { seq: number; method: string } | undefined {
  try {
    return parseCSeq(message.headers.get("CSeq") ?? "");
  } catch {
    return undefined;
  }
}

/** The tag parameter of a From/To value; undefined when absent or the value does not parse. */
export function tagOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return scanNameAddr(value).params.get("tag") ?? undefined;
  } catch {
    return undefined;
  }
}
