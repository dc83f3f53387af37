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

test("a message cut short before its empty line still parses, with no CR left in its last header", () => {
  const message = parseSipMessage(Buffer.from(`${OPTIONS.slice(0, 7).join("\r\n")}\r\n`));
  assert.equal(message.headers.get("Max-Forwards"), "70");
  assert.equal(message.body.length, 0);
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

test("sipp's INVITE: padded Content-Length, bare Contact addr-spec, display names as tokens", () => {
  const message = parseSipMessage(fixture("sipp-uac-pcap-invite.sip"));
  assert.equal(message.kind === "request" && message.uri, "sip:service@127.0.0.1:5099");
  assert.equal(message.headers.get("Contact"), "sip:sipp@127.0.0.1:5098");
  assert.equal(message.headers.get("Subject"), "Performance Test");
  assert.equal(message.body.length, 188);
});

test("folded header lines become one value, with one space where the fold was", () => {
  const lines = [...OPTIONS];
  lines.splice(6, 0, "Subject: a long", "\t  subject line", "  , folded twice");
  const message = parseSipMessage(crlf(lines));
  assert.equal(message.headers.get("Subject"), "a long subject line , folded twice");
  refused(crlf([OPTIONS[0] as string, " starts folded", ...OPTIONS.slice(1)]), /continuation/);
});

test("case-insensitive names; the spelling Belay writes is canonical", () => {
  const lines = OPTIONS.map((l) => l.replace(/^Call-ID:/, "CALL-id:").replace(/^CSeq:/, "cseq:"));
  const message = parseSipMessage(crlf(lines));
  assert.equal(message.headers.get("Call-Id"), "opt-1@127.0.0.1");
  assert.ok(message.headers.entries().some(([name]) => name === "Call-ID"));
  assert.ok(message.headers.entries().some(([name]) => name === "CSeq"));
});

test("Content-Length: the body is trimmed to it, and without it the body is the rest of the datagram", () => {
  const withBody = (length: string | undefined, body: string) =>
    Buffer.from(
      [...OPTIONS.slice(0, 7), ...(length === undefined ? [] : [`Content-Length: ${length}`]), "", body].join(
        "\r\n",
      ),
    );
  assert.equal(parseSipMessage(withBody("4", "abcdefgh")).body.toString(), "abcd");
  assert.equal(parseSipMessage(withBody(undefined, "abcdefgh")).body.toString(), "abcdefgh");
  assert.equal(parseSipMessage(withBody("0", "")).body.length, 0);
  refused(withBody("9", "abcdefgh"), /larger than the message/);
  refused(withBody("five", "abcde"), /invalid Content-Length/);
  refused(withBody("-1", "abcde"), /invalid Content-Length/);
});

test("a bare CR inside a header is refused: echoed into a response it would split the line", () => {
  refused(crlf(OPTIONS.map((l) => (l.startsWith("Call-ID") ? "Call-ID: a\rInjected: yes" : l))), /bare CR/);
});

test("Max-Forwards may be absent; out of range it is refused", () => {
  assert.doesNotThrow(() => parseSipMessage(crlf(OPTIONS.filter((l) => !l.startsWith("Max-Forwards")))));
  refused(crlf(OPTIONS.map((l) => (l.startsWith("Max-Forwards") ? "Max-Forwards: 256" : l))), /Max-Forwards/);
});

test("each required header missing is refused by name; an empty Call-ID counts as missing", () => {
  for (const name of ["Via", "From", "To", "Call-ID", "CSeq"]) {
    refused(crlf(OPTIONS.filter((l) => !l.startsWith(`${name}:`))), new RegExp(`missing ${name}`));
  }
  refused(crlf(OPTIONS.map((l) => (l.startsWith("Call-ID") ? "Call-ID:" : l))), /missing Call-ID/);
});

test("unknown SIP versions: 505 for a request, refused for a response", () => {
  const request = refused(
    crlf(OPTIONS.map((l, n) => (n === 0 ? "OPTIONS sip:+15550100@127.0.0.1 SIP/3.0" : l))),
  );
  assert.equal(request.status, 505);
  assert.equal(badRequestFor(request)?.status, 505);
  const response = refused("SIP/1.0 200 OK\r\n\r\n");
  assert.equal(response.kind, "response");
  assert.equal(badRequestFor(response), undefined);
  assert.equal(refused("OPTIONS sip:a@b HTTP/1.1\r\n\r\n").status, 400);
});

test("an IPv6 Request-URI and Via are understood", () => {
  const lines = OPTIONS.map((l, n) =>
    n === 0
      ? "OPTIONS sip:+15550100@[2001:db8::1]:5060 SIP/2.0"
      : l.replace("127.0.0.1:5061", "[2001:db8::2]:5061"),
  );
  const message = parseSipMessage(crlf(lines));
  assert.equal(message.kind === "request" && message.uri, "sip:+15550100@[2001:db8::1]:5060");
  assert.match(message.headers.get("Via") as string, /\[2001:db8::2\]:5061/);
});

test("an ACK that fails to parse is never answered", () => {
  const ack = OPTIONS.map((l, n) => (n === 0 ? "ACK sip:a@b SIP/2.0" : l.replace("1 OPTIONS", "1 INVITE")));
  const err = refused(crlf(ack), /CSeq method/);
  assert.equal(err.method, "ACK");
  assert.equal(badRequestFor(err), undefined);
});

test("garbage never escapes as anything but a SipParseError", () => {
  const valid = crlf(OPTIONS);
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const samples: Buffer[] = [
    Buffer.from([0xff, 0xfe, 0x00]),
    Buffer.from(":"),
    Buffer.from("SIP/2.0"),
    Buffer.from("\n\n\n"),
  ];
  for (let n = 0; n < 400; n++) {
    const copy = Buffer.from(valid);
    for (let k = 0; k < 1 + (n % 8); k++)
      copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    samples.push(copy, copy.subarray(0, Math.floor(random() * copy.length)));
  }
  let parsed = 0;
  for (const sample of samples) {
    try {
      parseSipMessage(sample);
      parsed++;
    } catch (err) {
      assert.ok(isSipParseError(err), `${err}`);
    }
  }
  assert.ok(parsed > 0 && parsed < samples.length, "some mutations still parse, others do not");
});

function summary(message: SipMessage) {
  return {
    start: message.kind === "request" ? [message.method, message.uri] : [message.status, message.reason],
    headers: message.headers.entries(),
    body: message.body.toString("latin1"),
  };
}
