import { BelayError } from "../../../errors.js";
import type { SipHeaders } from "./types.js";

/**
 * A datagram that is not a SIP message Belay accepts. `reason` is fit for a 400's reason phrase
 * (or a 505's, see `status`). When the header section could be read, `headers` holds it, so the
 * server can still answer with Via, From, To, Call-ID and CSeq copied (see badRequestFor).
 */
export class SipParseError extends BelayError {
  readonly reason: string;
  /** The status the server should answer with: 400, or 505 for an unsupported SIP version. */
  readonly status: 400 | 505;
  /** What the start line said, when it could be read. */
  readonly kind: "request" | "response" | undefined;
  readonly method: string | undefined;
  readonly headers: SipHeaders | undefined;
  /** The datagram was only CRLFs (an RFC 5626 keep-alive): drop it, answer nothing, log nothing. */
  readonly keepAlive: boolean;

  constructor(
    reason: string,
    context: {
      status?: 400 | 505;
      kind?: "request" | "response";
      method?: string;
      headers?: SipHeaders;
      keepAlive?: boolean;
    } = {},
  ) {
    super("SIP_PARSE", `malformed SIP message: ${reason}`, { reason, status: context.status ?? 400 });
    this.name = "SipParseError";
    this.reason = reason;
    this.status = context.status ?? 400;
    this.kind = context.kind;
    this.method = context.method;
    this.headers = context.headers;
    this.keepAlive = context.keepAlive ?? false;
  }
}

export function isSipParseError(err: unknown): err is SipParseError {
  return err instanceof SipParseError;
}
