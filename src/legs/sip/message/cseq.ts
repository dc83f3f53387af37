import { SipParseError } from "./errors.js";
import { trimLws } from "./lws.js";

export interface CSeq {
  seq: number;
  method: string;
}

const CSEQ = /^(\d{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)$/;

/** `CSeq: 4711 INVITE`: the number must fit 32 bits unsigned (RFC 3261 8.1.1.5; RFC 4475 scalar02). */
export function parseCSeq(value: string): CSeq {
  const match = CSEQ.exec(trimLws(value));
  if (match === null) throw new SipParseError("invalid CSeq");
  const seq = Number(match[1]);
  if (seq > 0xffffffff) throw new SipParseError("CSeq number too large");
  return { seq, method: match[2] as string };
}
