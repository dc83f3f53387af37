/**
 * SIP messages as Belay's SIP layer sees them (RFC 3261). The parser (parse.ts) turns a UDP
 * datagram into one of these and the serializer (serialize.ts) turns one back into bytes; the
 * transaction and dialog layers work only with these shapes.
 */

/** Header fields, case-insensitive, compact forms (v, f, t, i, m, l, c, k, s, e, o, u…) mapped to full names, order kept. */
export interface SipHeaders {
  /** The first value of a header (by full or compact name), or undefined. */
  get(name: string): string | undefined;
  /** Every value: repeated headers and comma-separated lists (Via, Contact, Route…) split into items. */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** Replaces every value of `name`. */
  set(name: string, value: string | string[]): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  /** [canonical name, value] in wire order, one entry per value. */
  entries(): Array<[string, string]>;
}

export interface SipRequest {
  kind: "request";
  method: string;
  /** The Request-URI as sent. */
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  kind: "response";
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export interface SipUri {
  scheme: "sip" | "sips" | "tel";
  user: string | undefined;
  host: string;
  port: number | undefined;
  /** `;name=value` parameters; a flag parameter maps to null. Names lowercased. */
  params: Map<string, string | null>;
  /** `sip:user:password@host` (deprecated, RFC 3261 19.1.1), unescaped. */
  password?: string;
  /** `?name=value&…` after the parameters, as sent (escaped). Never allowed in a Request-URI. */
  headers?: string;
}

/** `"Alice" <sip:alice@example.com>;tag=1928301774` */
export interface NameAddr {
  displayName: string | undefined;
  uri: SipUri;
  /** Header parameters after the address (tag, expires…). Names lowercased. */
  params: Map<string, string | null>;
}

/** One Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK…;rport`. */
export interface Via {
  transport: string;
  host: string;
  port: number | undefined;
  params: Map<string, string | null>;
}
