import { BelayError } from "../../../errors.js";

/** SDP that cannot be read (a 400 for an INVITE carrying it). */
export class SdpParseError extends BelayError {
  readonly reason: string;
  constructor(reason: string) {
    super("SDP_PARSE", `malformed SDP: ${reason}`, { reason });
    this.name = "SdpParseError";
    this.reason = reason;
  }
}

/** An answer to Belay's offer that Belay cannot use (outbound: the call fails, Belay sends BYE). */
export class SdpNegotiationError extends BelayError {
  readonly reason: string;
  constructor(reason: string) {
    super("SDP_NEGOTIATION", `unusable SDP answer: ${reason}`, { reason });
    this.name = "SdpNegotiationError";
    this.reason = reason;
  }
}

export function isSdpError(err: unknown): err is SdpParseError | SdpNegotiationError {
  return err instanceof SdpParseError || err instanceof SdpNegotiationError;
}
