import { parseCSeq } from "./cseq.js";
import { SipParseError } from "./errors.js";
import { HeaderFields } from "./headers.js";
import { trimLws } from "./lws.js";
import { scanNameAddr } from "./name-addr.js";
import type { SipMessage, SipRequest, SipResponse } from "./types.js";
import { hasScheme, parseUri } from "./uri.js";
import { parseVia } from "./via.js";

const CR = 0x0d;
const LF = 0x0a;
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// Runs of SP between the elements and SP before the line end are tolerated (RFC 4475 lwsstart,
// trws: no ambiguity, since neither a method, a SIP URI nor the version holds a space).
const REQUEST_LINE = /^([^ ]+) +([^ ]+) +([^ ]+) *$/;
const STATUS_LINE = /^(SIP\/\d+\.\d+) +(\d+)(?: (.*))?$/i;

/** True for a datagram of nothing but CR and LF (RFC 5626 keep-alive): drop it silently. */
export function isKeepAlive(datagram: Buffer): boolean {
  for (const byte of datagram) if (byte !== CR && byte !== LF) return false;
  return true;
}

/**
 * One SIP message from one UDP datagram. Tolerant of what real peers send (bare LF, folded
 * lines, compact and odd-case names, LWS around separators, empty values, leading CRLFs, bytes
 * after Content-Length), strict about what would make Belay misroute or misanswer (start line,
 * SIP version, the headers that identify a transaction, Content-Length). Malformed input of any
 * kind throws SipParseError. The body is a view into `datagram`, not a copy.
 */
export function parseSipMessage(datagram: Buffer): SipMessage {
  let start = 0;
  while (start < datagram.length && (datagram[start] === CR || datagram[start] === LF)) start++;
  if (start === datagram.length) throw new SipParseError("keep-alive", { keepAlive: true });

  const { headerEnd, bodyStart } = findHeaderEnd(datagram, start);
  const lines = unfold(datagram.toString("utf8", start, headerEnd));
  const startLine = lines[0] as string;

  const context: { kind?: "request" | "response"; method?: string; headers?: HeaderFields } = {};
  try {
    const headers = new HeaderFields();
    // The start line is judged after the headers are read, so even a 505 can be routed back.
    let message: SipMessage | undefined;
    let startError: SipParseError | undefined;
    try {
      if (/^SIP\//i.test(startLine)) {
        context.kind = "response";
        message = parseStatusLine(startLine, headers);
      } else {
        context.kind = "request";
        context.method = /^[^ ]*/.exec(startLine)?.[0];
        message = parseRequestLine(startLine, headers);
      }
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
      startError = err;
    }
    context.headers = headers;
    for (let n = 1; n < lines.length; n++) addHeaderLine(headers, lines[n] as string);
    if (startError !== undefined || message === undefined) throw startError;
    validate(message);
    message.body = sliceBody(datagram, bodyStart, headers);
    return message;
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    // Re-raised with what was read, so the server can still route a 400.
    throw new SipParseError(err.reason, { ...context, status: err.status });
  }
}

/** The end of the header section (first empty line) and where the body starts; both line ends accepted. */
function findHeaderEnd(buf: Buffer, from: number): { headerEnd: number; bodyStart: number } {
  let i = buf.indexOf(LF, from);
  while (i >= 0) {
    // headerEnd excludes the last header line's own CR, so no line keeps one.
    const end = buf[i - 1] === CR ? i - 1 : i;
    if (buf[i + 1] === LF) return { headerEnd: end, bodyStart: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF) return { headerEnd: end, bodyStart: i + 3 };
    i = buf.indexOf(LF, i + 1);
  }
  // No empty line: a message cut short after its last header. Tolerated; there is no body.
  let end = buf.length;
  while (end > from && (buf[end - 1] === CR || buf[end - 1] === LF)) end--;
  return { headerEnd: end, bodyStart: buf.length };
}

/** Lines of the header section, continuation lines (leading SP/HTAB) joined to their header with one SP. */
function unfold(text: string): string[] {
  const raw = text.split(/\r?\n/);
  const lines: string[] = [];
  for (let n = 0; n < raw.length; n++) {
    const line = raw[n] as string;
    if (n > 0 && (line.startsWith(" ") || line.startsWith("\t"))) {
      if (lines.length < 2) throw new SipParseError("continuation line without a header");
      lines[lines.length - 1] = `${trimLws(lines[lines.length - 1] as string)} ${trimLws(line)}`;
    } else {
      lines.push(line);
    }
  }
  return lines;
}

function parseRequestLine(line: string, headers: HeaderFields): SipRequest {
  // Three elements: a URI with a space in it (RFC 4475 lwsruri) makes four and is refused.
  const match = REQUEST_LINE.exec(line);
  if (match === null) throw new SipParseError("malformed Request-Line");
  const [, method = "", uri = "", version = ""] = match;
  if (!TOKEN.test(method)) throw new SipParseError("invalid method");
  if (version.toUpperCase() !== "SIP/2.0") {
    if (/^SIP\/\d+\.\d+$/i.test(version)) throw new SipParseError("Version Not Supported", { status: 505 });
    throw new SipParseError("malformed Request-Line");
  }
  checkRequestUri(uri);
  return { kind: "request", method, uri, headers, body: EMPTY };
}

function parseStatusLine(line: string, headers: HeaderFields): SipResponse {
  const match = STATUS_LINE.exec(line);
  if (match === null) throw new SipParseError("malformed Status-Line");
  const [, version = "", code = "", reason = ""] = match;
  if (version.toUpperCase() !== "SIP/2.0") throw new SipParseError("Version Not Supported", { status: 505 });
  // Three digits, 100–699 (RFC 3261 7.2; RFC 4475 bigcode).
  if (!/^[1-6]\d\d$/.test(code)) throw new SipParseError("invalid status code");
  return { kind: "response", status: Number(code), reason, headers, body: EMPTY };
}

function checkRequestUri(uri: string): void {
  const scheme = hasScheme(uri);
  if (scheme === undefined) throw new SipParseError("invalid Request-URI");
  if (scheme === "sip" || scheme === "sips" || scheme === "tel") {
    const parsed = parseUri(uri);
    // Headers have no meaning in a Request-URI (RFC 3261 19.1.5; RFC 4475 escruri).
    if (parsed.headers !== undefined) throw new SipParseError("headers in Request-URI");
  } else if (/[\s<>"]/.test(uri)) {
    // Other schemes parse (the server answers 416), as long as they are one absoluteURI.
    throw new SipParseError("invalid Request-URI");
  }
}

function addHeaderLine(headers: HeaderFields, line: string): void {
  const colon = line.indexOf(":");
  if (colon < 0) throw new SipParseError("header line without a colon");
  // A CR not ending a line would be written back as one when Belay echoes the header.
  if (line.includes("\r")) throw new SipParseError("bare CR in a header");
  // LWS may sit between the name and the colon (RFC 3261 7.3.1; RFC 4475 wsinv).
  const name = trimLws(line.slice(0, colon));
  if (!TOKEN.test(name)) throw new SipParseError("invalid header name");
  headers.append(name, trimLws(line.slice(colon + 1)));
}

function sliceBody(datagram: Buffer, bodyStart: number, headers: HeaderFields): Buffer {
  const values = headers.getAll("Content-Length");
  if (values.length === 0) return datagram.subarray(bodyStart); // UDP: the rest of the datagram
  const first = values[0] as string;
  if (values.some((v) => v !== first)) throw new SipParseError("conflicting Content-Length");
  if (!/^\d{1,10}$/.test(first)) throw new SipParseError("invalid Content-Length");
  const length = Number(first);
  if (bodyStart + length > datagram.length) throw new SipParseError("Content-Length larger than the message");
  // Bytes past Content-Length (RFC 4475 dblreq) are not this message's.
  return datagram.subarray(bodyStart, bodyStart + length);
}

const REQUIRED = ["Via", "From", "To", "Call-ID", "CSeq"] as const;

function validate(message: SipMessage): void {
  const { headers } = message;
  const missing = REQUIRED.filter((name) => !headers.has(name) || headers.get(name) === "");
  if (missing.length > 0) throw new SipParseError(`missing ${missing.join(", ")}`);

  const cseq = parseCSeq(headers.get("CSeq") as string);
  if (message.kind === "request" && cseq.method !== message.method) {
    throw new SipParseError("CSeq method does not match the request");
  }
  if (headers.getAll("CSeq").length > 1 && new Set(headers.getAll("CSeq")).size > 1) {
    throw new SipParseError("more than one CSeq");
  }
  for (const name of ["Call-ID", "From", "To"] as const) {
    if (headers.getAll(name).length > 1) throw new SipParseError(`more than one ${name}`);
  }
  if (/\s/.test(headers.get("Call-ID") as string)) throw new SipParseError("invalid Call-ID");

  for (const via of headers.getAll("Via")) parseVia(via);
  checkAddress(headers.get("From") as string, "From");
  checkAddress(headers.get("To") as string, "To");
  for (const contact of headers.getAll("Contact")) {
    if (contact !== "*") checkAddress(contact, "Contact");
  }

  const maxForwards = headers.get("Max-Forwards");
  if (maxForwards !== undefined && !(/^\d{1,10}$/.test(maxForwards) && Number(maxForwards) <= 255)) {
    throw new SipParseError("invalid Max-Forwards");
  }
  // Expires and Date are not checked: Belay uses neither, and RFC 4475 (scalar02, baddate) lets
  // an element that does not depend on them accept the message.
}

/** A name-addr's structure always; its URI too when it is one Belay would use (sip, sips, tel). */
function checkAddress(value: string, what: string): void {
  const scanned = scanNameAddr(value, what);
  const scheme = hasScheme(scanned.uriText);
  if (scheme === undefined) throw new SipParseError(`${what}: invalid address`);
  if (scheme === "sip" || scheme === "sips" || scheme === "tel") parseUri(scanned.uriText);
}

const EMPTY = Buffer.alloc(0);
