import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  badRequestFor,
  isSipParseError,
  parseNameAddr,
  parseSipMessage,
  parseUri,
  parseVia,
  type SipMessage,
  type SipParseError,
  type SipRequest,
  serializeSipMessage,
} from "../../src/legs/sip/message/index.js";

/**
 * RFC 4475 torture messages (test/fixtures/sip/rfc4475-*.sip, CRLF): which parse, which are
 * refused and why, and the fields that show the tricky parts were understood. Messages the RFC
 * calls invalid only at a higher layer (bext01, bcast, unksm2, unkscm…) must parse: refusing
 * them is the transaction layer's or the application's job.
 */

const load = (name: string) => readFileSync(new URL(`../fixtures/sip/rfc4475-${name}.sip`, import.meta.url));
const parse = (name: string) => parseSipMessage(load(name));
const request = (name: string) => {
  const message = parse(name);
  assert.equal(message.kind, "request");
  return message as SipRequest;
};
function refused(name: string): SipParseError {
  try {
    parse(name);
  } catch (err) {
    if (isSipParseError(err)) return err;
    throw err;
  }
  assert.fail(`${name} parsed, but must be refused`);
}

test("wsinv: folding, LWS around every separator, odd case, compact and long Via names mixed", () => {
  const message = request("wsinv");
  assert.equal(message.method, "INVITE");
  assert.equal(message.uri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
  assert.equal(parseUri(message.uri).params.get("unknownparam"), null);
  const to = parseNameAddr(message.headers.get("To") as string);
  assert.equal(to.uri.user, "vivekg");
  assert.equal(to.params.get("tag"), "1918181833n");
  const from = parseNameAddr(message.headers.get("From") as string);
  assert.equal(from.displayName, 'J Rosenberg \\"');
  assert.equal(from.params.get("tag"), "98asjd8");
  assert.equal(message.headers.get("Max-Forwards"), "0068");
  assert.equal(message.headers.get("CSeq"), "0009 INVITE");
  const vias = message.headers.getAll("Via").map(parseVia);
  assert.deepEqual(
    vias.map((v) => [v.transport, v.host, v.params.get("branch")]),
    [
      ["UDP", "192.0.2.2", "390skdjuw"],
      ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["UDP", "192.168.255.111", "z9hG4bK30239"],
    ],
  );
  assert.equal(message.headers.get("Subject"), "");
  assert.equal(message.headers.get("NewFangledHeader"), "newfangled value continued newfangled value");
  assert.equal(message.headers.get("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
  const contact = parseNameAddr(message.headers.get("Contact") as string);
  assert.equal(contact.displayName, 'Quoted string ""');
  assert.deepEqual(
    [...contact.params],
    [
      ["newparam", "newvalue"],
      ["secondparam", null],
      ["q", "0.33"],
    ],
  );
  const route = parseNameAddr(message.headers.get("Route") as string);
  assert.equal(route.uri.params.get("lr"), null);
  assert.equal(route.uri.params.get("unknownwith"), "value");
  assert.equal(message.body.length, 150);
});

test("intmeth: every token character in method, URI, branch, tags and header names; UTF-8 values", () => {
  const message = request("intmeth");
  assert.equal(message.method, "!interesting-Method0123456789_*+`.%indeed'~");
  const uri = parseUri(message.uri);
  assert.equal(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert.equal(uri.host, "example.com");
  assert.equal(parseVia(message.headers.get("Via") as string).params.get("branch"), "z9hG4bK-.!%66*_+`'~");
  assert.equal(parseNameAddr(message.headers.get("To") as string).displayName, "BEL:\x07 NUL:\x00 DEL:\x7f");
  const from = parseNameAddr(message.headers.get("From") as string);
  assert.equal(from.displayName, "token1~` token2'+_ token3*%!.-");
  assert.equal(from.params.get("fromparam''~+*_!.-%"), '"работающий"');
  assert.equal(from.params.get("tag"), "_token~1'+`*%!-.");
  assert.equal(message.headers.get("Call-ID"), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  assert.equal(message.headers.get("extensionHeader-!.%*+_`'~"), "\ufeff大停電");
});

test("esc01, escnull, esc02: % escapes decoded in URI user parts only, never in methods, names or display names", () => {
  const esc01 = request("esc01");
  assert.equal(parseUri(esc01.uri).user, "sips:user@example.com");
  assert.equal(parseNameAddr(esc01.headers.get("To") as string).uri.user, "user");
  assert.equal(parseNameAddr(esc01.headers.get("From") as string).uri.user, "I have spaces");
  const contact = parseNameAddr(esc01.headers.get("m") as string);
  assert.equal(contact.uri.user, "caller");
  assert.deepEqual(
    [...contact.uri.params],
    [
      ["%6c%72", null],
      ["n%61me", "v%61lue%25%34%31"],
    ],
  );
  assert.equal(esc01.headers.get("Content-Type"), "application/sdp");

  const escnull = request("escnull");
  assert.deepEqual(
    escnull.headers.getAll("Contact").map((c) => parseNameAddr(c).uri.user),
    ["\0", "\0\0"],
  );
  assert.equal(parseNameAddr(escnull.headers.get("To") as string).uri.user, "null-\0-null");

  const esc02 = request("esc02");
  assert.equal(esc02.method, "RE%47IST%45R");
  assert.equal(parseNameAddr(esc02.headers.get("To") as string).displayName, "%Z%45");
  assert.equal(esc02.headers.getAll("Contact").length, 2, "C%6Fntact is another header, not Contact");
  assert.equal(esc02.headers.get("C%6Fntact"), "<sip:alias2@host2.example.com>");
});

test("lwsdisp, longreq, semiuri, transports: display name glued to <, 34 Vias, ; in a user part, unknown transports", () => {
  assert.equal(parseNameAddr(request("lwsdisp").headers.get("From") as string).displayName, "caller");

  const longreq = request("longreq");
  const vias = longreq.headers.getAll("Via").map(parseVia);
  assert.equal(vias.length, 34);
  assert.equal(vias[0]?.host, "sip33.example.com");
  assert.equal(vias[33]?.params.get("received"), "192.0.2.5");
  const to = parseNameAddr(longreq.headers.get("To") as string);
  assert.equal(to.uri.port, 6000);
  assert.equal(to.uri.params.size, 3);
  assert.match(
    parseNameAddr(longreq.headers.get("From") as string).params.get("tag") as string,
    /^1298(2982)+2424$/,
  );

  assert.equal(parseUri(request("semiuri").uri).user, "user;par=u@example.net");
  assert.equal(request("semiuri").headers.getAll("Accept").length, 6);

  assert.deepEqual(
    request("transports")
      .headers.getAll("Via")
      .map((v) => parseVia(v).transport),
    ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"],
  );
  assert.equal(request("transports").headers.get("Call-ID"), "transports.kijh4akdnaqjkwendsasfdj");
});

test("dblreq and mpart01: the body is exactly Content-Length octets, binary and NULs included", () => {
  const dblreq = request("dblreq");
  assert.equal(dblreq.method, "REGISTER");
  assert.equal(dblreq.body.length, 0, "the INVITE after it is noise");

  const raw = load("mpart01");
  const mpart = request("mpart01");
  assert.equal(mpart.body.length, Number(mpart.headers.get("Content-Length")));
  assert.ok(mpart.body.includes(0), "binary part kept");
  assert.ok(raw.subarray(raw.length - mpart.body.length).equals(mpart.body));
  assert.match(mpart.body.toString("latin1"), /--7a9cbec02ceef655--\r\n$/);
});

test("unreason and noreason: a UTF-8 reason phrase, and an empty one", () => {
  const unreason = parse("unreason");
  assert.equal(unreason.kind === "response" && unreason.status, 200);
  assert.equal(
    unreason.kind === "response" && unreason.reason,
    "= 2**3 * 5**2 но сто девяносто девять - простое",
  );
  assert.equal(unreason.body.length, 154);
  const noreason = parse("noreason");
  assert.equal(noreason.kind === "response" && noreason.status, 100);
  assert.equal(noreason.kind === "response" && noreason.reason, "");
});

test("liberal where RFC 4475 allows it: extra SP in the Request-Line, a bad Date, RFC 2543 syntax", () => {
  assert.equal(request("lwsstart").uri, "sip:user@example.com");
  assert.equal(request("trws").uri, "sip:remote-target@example.com");
  assert.equal(request("baddate").headers.get("Date"), "Fri, 01 Jan 2010 16:00:00 EST");
  const inv2543 = request("inv2543");
  assert.equal(inv2543.headers.has("Max-Forwards"), false);
  assert.equal(inv2543.body.length, 105, "no Content-Length: the rest of the datagram");
});

test("invalid only above the parser: these parse, for the layers that answer 420, 416, 415, 483 or drop", () => {
  for (const name of ["bext01", "badbranch", "unkscm", "novelsc", "unksm2", "invut", "regaut01", "zeromf"]) {
    assert.doesNotThrow(() => parse(name), name);
  }
  for (const name of ["cparam01", "regescrt", "bcast"]) assert.doesNotThrow(() => parse(name), name);
  assert.deepEqual(request("bext01").headers.getAll("Require"), [
    "nothingSupportsThis",
    "nothingSupportsThisEither",
  ]);
  assert.equal(request("unkscm").uri, "nobodyKnowsThisScheme:totallyopaquecontent");
  assert.equal(request("unksm2").headers.get("To"), "isbn:2983792873");
  assert.equal(
    parseNameAddr(request("regescrt").headers.get("Contact") as string).uri.headers,
    "Route=%3Csip:sip.example.com%3E",
  );
  assert.equal(parse("bcast").headers.getAll("Via").length, 2);
});

const INVALID: Array<[string, RegExp]> = [
  ["badinv01", /empty parameter in Via/],
  ["clerr", /Content-Length larger/],
  ["ncl", /invalid Content-Length/],
  ["scalar02", /CSeq/],
  ["scalarlg", /CSeq/],
  ["quotbal", /unterminated quoted string in To/],
  ["ltgtruri", /Request-URI/],
  ["lwsruri", /Request-Line/],
  ["escruri", /headers in Request-URI/],
  ["regbadct", /Contact: address must be enclosed in <>/],
  ["badaspec", /To: invalid address/],
  ["baddn", /From: display name must be quoted/],
  ["mismatch01", /CSeq method/],
  ["mismatch02", /CSeq method/],
  ["bigcode", /status code/],
  ["insuf", /missing From, To, Call-ID/],
  ["multi01", /more than one CSeq/],
  ["mcl01", /conflicting Content-Length/],
];

for (const [name, reason] of INVALID) {
  test(`${name} is refused with a reason fit for a 400`, () => {
    const err = refused(name);
    assert.equal(err.code, "SIP_PARSE");
    assert.equal(err.status, 400);
    assert.match(err.reason, reason);
  });
}

test("badvers: 505, routable, because the headers were read despite the start line", () => {
  const err = refused("badvers");
  assert.equal(err.status, 505);
  const response = badRequestFor(err);
  assert.ok(response);
  assert.equal(response.status, 505);
  assert.equal(response.reason, "Version Not Supported");
  assert.equal(response.headers.get("Call-ID"), "badvers.31417@c.example.com");
});

test("refused requests with their transaction headers can be answered; responses and insuf cannot", () => {
  const answerable = badRequestFor(refused("badaspec"));
  assert.equal(answerable?.status, 400);
  assert.equal(answerable?.reason, "To: invalid address in <>");
  assert.equal(answerable?.headers.get("CSeq"), "3923239 OPTIONS");
  assert.equal(badRequestFor(refused("bigcode")), undefined, "a response is never answered");
  assert.equal(badRequestFor(refused("insuf")), undefined, "no From/To/Call-ID to answer with");
});

function summary(message: SipMessage) {
  return {
    start: message.kind === "request" ? [message.method, message.uri] : [message.status, message.reason],
    headers: message.headers.entries(),
    body: message.body.toString("latin1"),
  };
}

test("every torture message that parses round-trips: parse, serialize, parse gives the same message", () => {
  const valid = ["wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri"];
  valid.push(
    "transports",
    "mpart01",
    "unreason",
    "noreason",
    "bext01",
    "unksm2",
    "bcast",
    "regescrt",
    "inv2543",
  );
  for (const name of valid) {
    const once = parse(name);
    const again = parseSipMessage(serializeSipMessage(once));
    const expected = summary(once);
    if (!once.headers.has("Content-Length"))
      expected.headers.push(["Content-Length", String(once.body.length)]);
    assert.deepEqual(summary(again), expected, name);
  }
});
