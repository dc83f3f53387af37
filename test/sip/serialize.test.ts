import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  buildResponse,
  createHeaders,
  parseSipMessage,
  type SipRequest,
  type SipResponse,
  serializeSipMessage,
} from "../../src/legs/sip/message/index.js";

/** Writing messages: header order and names, Content-Length, responses built from requests (RFC 3261 8.2.6). */

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sip/${name}`, import.meta.url));
const invite = () => parseSipMessage(fixture("baresip-invite.sip")) as SipRequest;

test("headers: case-insensitive and compact lookups, lists split, set/append/prepend/delete keep order", () => {
  const headers = createHeaders([
    ["v", "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2"],
    ["Via", "SIP/2.0/UDP c;branch=z9hG4bK3"],
    ["call-id", "x@y"],
    ["Contact", '"Smith, J" <sip:j@a>;q=0.5, <sip:j@b,c>'],
    ["Date", "Sat, 13 Nov 2010 23:29:00 GMT"],
    ["Supported", ""],
  ]);
  assert.deepEqual(headers.getAll("VIA").length, 3);
  assert.equal(headers.get("via"), "SIP/2.0/UDP a;branch=z9hG4bK1");
  assert.equal(headers.get("i"), "x@y");
  assert.deepEqual(
    headers.getAll("m"),
    ['"Smith, J" <sip:j@a>;q=0.5', "<sip:j@b,c>"],
    "commas in quotes and <> stay",
  );
  assert.deepEqual(headers.getAll("Date"), ["Sat, 13 Nov 2010 23:29:00 GMT"], "Date is not a list");
  assert.equal(headers.has("k"), true);
  assert.deepEqual(headers.lines()[0], [
    "Via",
    "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
  ]);
  assert.equal(headers.entries()[0]?.[0], "Via");
  assert.equal(headers.entries()[2]?.[0], "Via");
  assert.equal(headers.entries()[3]?.[0], "Call-ID");

  headers.prepend("Via", "SIP/2.0/UDP proxy;branch=z9hG4bK0");
  assert.equal(headers.get("Via"), "SIP/2.0/UDP proxy;branch=z9hG4bK0");
  headers.set("Call-ID", "new@y");
  assert.equal(headers.lines()[3]?.join(": "), "Call-ID: new@y", "set keeps the position");
  headers.append("X-Custom", "1");
  headers.append("x-custom", "2");
  assert.deepEqual(headers.getAll("X-CUSTOM"), ["1", "2"]);
  headers.delete("x-custom");
  assert.equal(headers.has("X-Custom"), false);
  headers.set("Allow", ["INVITE", "ACK"]);
  assert.deepEqual(headers.getAll("Allow"), ["INVITE", "ACK"]);
  assert.equal(createHeaders({ To: "<sip:a@b>", Route: ["<sip:p1>", "<sip:p2>"] }).getAll("Route").length, 2);
});

test("serialize: start line, full names, CRLF, one blank line, and the body's real Content-Length", () => {
  const response: SipResponse = {
    kind: "response",
    status: 486,
    reason: "Busy Here",
    headers: createHeaders([
      ["v", "SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1"],
      ["Content-Length", "999"],
      ["Supported", ""],
    ]),
    body: Buffer.from("hello"),
  };
  assert.equal(
    serializeSipMessage(response).toString(),
    "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1\r\nContent-Length: 5\r\nSupported:\r\n\r\nhello",
  );
  const noLength = { ...response, headers: createHeaders([["Call-ID", "a"]]), body: Buffer.alloc(0) };
  assert.equal(
    serializeSipMessage(noLength).toString(),
    "SIP/2.0 486 Busy Here\r\nCall-ID: a\r\nContent-Length: 0\r\n\r\n",
  );
});

test("serialize counts bytes, not characters, and copies a binary body intact", () => {
  const body = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]);
  const request: SipRequest = {
    kind: "request",
    method: "MESSAGE",
    uri: "sip:kumiko@example.org",
    headers: createHeaders([["Subject", "Grüße"]]),
    body,
  };
  const bytes = serializeSipMessage(request);
  assert.ok(bytes.subarray(bytes.length - body.length).equals(body));
  assert.match(bytes.toString("utf8"), /Subject: Grüße\r\nContent-Length: 6\r\n\r\n/);
});

test("buildResponse copies every Via in order, From, To, Call-ID and CSeq, and adds the To tag", () => {
  const request = invite();
  request.headers.append("Via", "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKproxy");
  const response = buildResponse(request, 180, undefined, [["Contact", "<sip:belay@127.0.0.1:5060>"]], {
    toTag: "b3lay",
  });
  assert.equal(response.reason, "Ringing");
  assert.deepEqual(response.headers.entries(), [
    ["Via", "SIP/2.0/UDP 127.0.0.1:5082;branch=z9hG4bKc1f9918ce8df9903;rport"],
    ["Via", "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKproxy"],
    ["From", "<sip:caller@127.0.0.1:5082>;tag=de25dd39090eea14"],
    ["To", "<sip:record@127.0.0.1:5070>;tag=b3lay"],
    ["Call-ID", "c63f55b524e2ec3b"],
    ["CSeq", "60913 INVITE"],
    ["Contact", "<sip:belay@127.0.0.1:5060>"],
  ]);
  assert.equal(response.body.length, 0);
  const reparsed = parseSipMessage(serializeSipMessage(response));
  assert.equal(reparsed.kind === "response" && reparsed.status, 180);
});

test("buildResponse keeps an existing To tag, echoes Timestamp on a 100, takes a body and a reason", () => {
  const request = invite();
  request.headers.set("To", "<sip:record@127.0.0.1:5070>;tag=already");
  request.headers.append("Timestamp", "54");
  const trying = buildResponse(request, 100, undefined, undefined, { toTag: "other" });
  assert.equal(trying.headers.get("To"), "<sip:record@127.0.0.1:5070>;tag=already");
  assert.equal(trying.headers.get("Timestamp"), "54");
  assert.equal(buildResponse(request, 200).headers.has("Timestamp"), false);
  const ok = buildResponse(
    request,
    200,
    "Fine",
    { "Content-Type": "application/sdp" },
    { body: Buffer.from("v=0\r\n") },
  );
  assert.equal(ok.reason, "Fine");
  assert.match(
    serializeSipMessage(ok).toString(),
    /Content-Type: application\/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n$/,
  );
  assert.equal(buildResponse(request, 299).reason, "OK", "an unknown code still gets a phrase");
});

test("a sipp INVITE round-trips: Content-Length's padding is normalised, everything else stays", () => {
  const raw = fixture("sipp-uac-pcap-invite.sip");
  const message = parseSipMessage(raw);
  assert.equal(message.headers.get("Content-Length"), "188");
  const again = serializeSipMessage(message);
  assert.equal(again.toString(), raw.toString().replace("Content-Length:   188", "Content-Length: 188"));
});
