import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  badRequestFor,
  isKeepAlive,
  isSipParseError,
  parseSipMessage,
  type SipMessage,
  type SipParseError,
  serializeSipMessage,
} from "../../src/legs/sip/message/index.js";

/** The parser on real peers' messages and on the tolerances and refusals docs/sip-messages.md lists. */

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sip/${name}`, import.meta.url));
const crlf = (lines: string[]) => Buffer.from(lines.join("\r\n"));

function refused(datagram: Buffer | string, reason?: RegExp): SipParseError {
  const buf = typeof datagram === "string" ? Buffer.from(datagram) : datagram;
  try {
    parseSipMessage(buf);
  } catch (err) {
    assert.ok(isSipParseError(err), `not a SipParseError: ${err}`);
    assert.equal(err.code, "SIP_PARSE");
    if (reason) assert.match(err.reason, reason);
    return err;
  }
  assert.fail("parsed, but should have been refused");
}

const OPTIONS = [
  "OPTIONS sip:+15550100@127.0.0.1 SIP/2.0",
  "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1;rport",
  "From: <sip:alice@127.0.0.1:5061>;tag=a1",
  "To: <sip:+15550100@127.0.0.1>",
  "Call-ID: opt-1@127.0.0.1",
  "CSeq: 1 OPTIONS",
  "Max-Forwards: 70",
  "Content-Length: 0",
  "",
  "",
];

test("baresip's INVITE: request line, headers, the empty Supported, bare rport and its SDP body", () => {
  const raw = fixture("baresip-invite.sip");
  const message = parseSipMessage(raw);
  assert.equal(message.kind, "request");
  assert.equal(message.kind === "request" && message.method, "INVITE");
  assert.equal(message.kind === "request" && message.uri, "sip:record@127.0.0.1:5070");
  assert.equal(message.headers.get("call-id"), "c63f55b524e2ec3b");
  assert.equal(message.headers.get("CSEQ"), "60913 INVITE");
  assert.equal(message.headers.has("Supported"), true);
  assert.equal(message.headers.get("Supported"), "");
  assert.deepEqual(message.headers.getAll("Supported"), []);
  assert.equal(message.headers.getAll("Allow").length, 10);
  assert.equal(message.headers.get("Via"), "SIP/2.0/UDP 127.0.0.1:5082;branch=z9hG4bKc1f9918ce8df9903;rport");
  assert.equal(message.body.length, 345);
  assert.match(message.body.toString(), /^v=0\r\n/);
  assert.match(message.body.toString(), /a=ptime:20\r\n$/);
  assert.deepEqual(serializeSipMessage(message), raw, "written back byte for byte");
});

test("bare LF line ends, leading CRLF keep-alives and compact header names", () => {
  const text = `\r\n\r\n${OPTIONS.join("\n")}`
    .replace("Via:", "v:")
    .replace("From:", "f:")
    .replace("To:", "t:")
    .replace("Call-ID:", "i:")
    .replace("Content-Length:", "l:");
  const message = parseSipMessage(Buffer.from(text));
  assert.equal(message.kind === "request" && message.method, "OPTIONS");
  assert.equal(message.headers.get("Call-ID"), "opt-1@127.0.0.1");
  assert.equal(message.headers.get("from"), "<sip:alice@127.0.0.1:5061>;tag=a1");
  assert.deepEqual(
    message.headers.entries().map(([name]) => name),
    ["Via", "From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length"],
  );
});

test("a datagram of CRLFs only is a keep-alive, refused with keepAlive set", () => {
  assert.equal(isKeepAlive(Buffer.from("\r\n\r\n")), true);
  assert.equal(isKeepAlive(Buffer.from(OPTIONS.join("\r\n"))), false);
  assert.equal(refused("\r\n\r\n").keepAlive, true);
  assert.equal(refused(crlf(OPTIONS).subarray(0, 30)).keepAlive, false);
});

test("a request missing From can still be answered 400 with what it had", () => {
  const err = refused(crlf(OPTIONS.filter((l) => !l.startsWith("From"))), /From/);
  assert.equal(err.kind, "request");
  assert.equal(err.method, "OPTIONS");
  assert.equal(badRequestFor(err), undefined, "no From: nothing to route a response with");
  const bad = refused(crlf(OPTIONS.map((l) => (l.startsWith("CSeq") ? "CSeq: 1 INVITE" : l))), /CSeq/);
  const response = badRequestFor(bad);
  assert.ok(response);
  assert.equal(response.status, 400);
  assert.equal(response.reason, bad.reason);
  assert.equal(response.headers.get("Call-ID"), "opt-1@127.0.0.1");
  assert.equal(response.headers.get("CSeq"), "1 INVITE");
});

test("round trip: parse, serialize, parse gives the same message", () => {
  const once = parseSipMessage(crlf(OPTIONS));
  const twice = parseSipMessage(serializeSipMessage(once));
  assert.deepEqual(summary(twice), summary(once));
});

export function summary(message: SipMessage) {
  return {
    start: message.kind === "request" ? [message.method, message.uri] : [message.status, message.reason],
    headers: message.headers.entries(),
    body: message.body.toString("latin1"),
  };
}
