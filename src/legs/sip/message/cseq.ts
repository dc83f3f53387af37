import { SipParseError } from "./errors.js";

export interface CSeq {
  seq: number;
  method: string;
}

const CSEQ = /^(\d{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)$/;

/** `CSeq: 4711 INVITE`: the number must fit 32 bits unsigned less the sign bit (RFC 3261 8.1.1.5). */
export function parseCSeq(value: string): CSeq {
  const match = CSEQ.exec(value.trim());
  if (match === null) throw new SipParseError("invalid CSeq");
  const seq = Number(match[1]);
  if (seq > 0x7fffffff) throw new SipParseError("CSeq number too large");
  return { seq, method: match[2] as string };
}
