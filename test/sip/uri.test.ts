import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatNameAddr,
  formatUri,
  formatVia,
  isSipParseError,
  parseNameAddr,
  parseUri,
  parseVia,
  scanNameAddr,
} from "../../src/legs/sip/message/index.js";

/** URIs, name-addrs and Via values: what is understood, what is refused, and that formatting parses back. */

test("a SIP URI: user, host, port, flag and valued parameters, headers", () => {
  const uri = parseUri("sip:+15550100@127.0.0.1:5060;transport=udp;lr?Subject=hi");
  assert.equal(uri.scheme, "sip");
  assert.equal(uri.user, "+15550100");
  assert.equal(uri.host, "127.0.0.1");
  assert.equal(uri.port, 5060);
  assert.deepEqual(
    [...uri.params],
    [
      ["transport", "udp"],
      ["lr", null],
    ],
  );
  assert.equal(uri.headers, "Subject=hi");
  assert.equal(formatUri(uri), "sip:+15550100@127.0.0.1:5060;transport=udp;lr?Subject=hi");
});

test("no user, sips, uppercase scheme and parameter names, tel", () => {
  assert.deepEqual(parseUri("sip:example.com"), {
    scheme: "sip",
    user: undefined,
    host: "example.com",
    port: undefined,
    params: new Map(),
  });
  const upper = parseUri("SIPS:Alice@Example.COM;Transport=TLS");
  assert.equal(upper.scheme, "sips");
  assert.equal(upper.user, "Alice", "the user part is case-sensitive");
  assert.equal(upper.params.get("transport"), "TLS");
  const tel = parseUri("tel:+1-201-555-0123;phone-context=example.com");
  assert.equal(tel.scheme, "tel");
  assert.equal(tel.user, "+1-201-555-0123");
  assert.equal(tel.params.get("phone-context"), "example.com");
  assert.equal(formatUri(tel), "tel:+1-201-555-0123;phone-context=example.com");
});

test("IPv6 references: brackets off in host, back on when formatted, ports after them", () => {
  const uri = parseUri("sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::1]");
  assert.equal(uri.host, "2001:db8::10");
  assert.equal(uri.port, 5070);
  assert.equal(uri.params.get("maddr"), "[2001:db8::1]");
  assert.equal(formatUri(uri), "sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::1]");
  const via = parseVia("SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1;received=::1");
  assert.equal(via.host, "::1");
  assert.equal(via.port, 5060);
  assert.equal(formatVia(via), "SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1;received=::1");
});

test("escapes: decoded in the user part, written back escaped, so format then parse is stable", () => {
  const uri = parseUri("sip:I%20have%20spaces%40home@example.net");
  assert.equal(uri.user, "I have spaces@home");
  assert.equal(formatUri(uri), "sip:I%20have%20spaces%40home@example.net");
  assert.deepEqual(parseUri(formatUri(uri)), uri);
  assert.equal(parseUri("sip:50%25off@example.net").user, "50%off");
  assert.equal(parseUri("sip:%zz@example.net").user, "%zz", "a % that starts no escape stays");
  const password = parseUri("sip:bob:s3cr%3At@example.net");
  assert.equal(password.password, "s3cr:t");
  assert.equal(formatUri(password), "sip:bob:s3cr%3At@example.net");
});

test("refused URIs throw a SipParseError", () => {
  const bad = [
    "",
    "user@example.com",
    "http://example.com",
    "sip:",
    "sip:@example.com",
    "sip:alice@",
    "sip:alice@exa mple.com",
    "sip:alice@example.com:99999",
    "sip:alice@example.com:50x",
    "sip:alice@[2001:db8::1",
    "sip:alice@example.com;;lr",
    "sip:alice@example.com;=x",
    "<sip:alice@example.com>",
    "tel:call-me",
  ];
  for (const text of bad) assert.throws(() => parseUri(text), isSipParseError, JSON.stringify(text));
});

test("name-addr: quoted, token and absent display names, header parameters after >", () => {
  const quoted = parseNameAddr(
    '"Alice \\"Al\\" Smith" <sip:alice@example.com;transport=udp>;tag=1928301774;expires',
  );
  assert.equal(quoted.displayName, 'Alice "Al" Smith');
  assert.equal(quoted.uri.params.get("transport"), "udp");
  assert.deepEqual(
    [...quoted.params],
    [
      ["tag", "1928301774"],
      ["expires", null],
    ],
  );
  assert.equal(
    formatNameAddr(quoted),
    '"Alice \\"Al\\" Smith" <sip:alice@example.com;transport=udp>;tag=1928301774;expires',
  );
  assert.deepEqual(parseNameAddr(formatNameAddr(quoted)), quoted);

  assert.equal(parseNameAddr("Bob Jones <sip:bob@example.com>").displayName, "Bob Jones");
  assert.equal(parseNameAddr("<sip:bob@example.com>").displayName, undefined);
  // A bare addr-spec: every ; is a header parameter, not the URI's.
  const bare = parseNameAddr("sip:bob@example.com;tag=x");
  assert.equal(bare.uri.params.size, 0);
  assert.equal(bare.params.get("tag"), "x");
  assert.equal(formatNameAddr(bare), "<sip:bob@example.com>;tag=x");
  assert.equal(parseNameAddr('"" <sip:a@b>').displayName, "");
  assert.equal(
    parseNameAddr("Jürgen Groß <sip:j@b>").displayName,
    "Jürgen Groß",
    "unquoted UTF-8 is unambiguous",
  );
  assert.equal(parseUri("sip:belay@media_host-1:5060").host, "media_host-1");
});

test("name-addr refusals: unterminated quote, missing >, spaces inside <>, unquoted non-tokens, ? in a bare URI", () => {
  const bad = [
    '"Alice <sip:alice@example.com>',
    "<sip:alice@example.com",
    "< sip:alice@example.com>",
    "Bell, Alexander <sip:a@example.com>",
    "sip:user@example.com?Route=x",
    "<sip:alice@example.com>;;tag=1",
    "<sip:alice@example.com> junk",
    '"Alice" sip:alice@example.com',
    "",
  ];
  for (const text of bad) assert.throws(() => parseNameAddr(text), isSipParseError, JSON.stringify(text));
  assert.equal(scanNameAddr("<urn:service:sos>").uriText, "urn:service:sos", "scanning leaves the URI alone");
  assert.throws(
    () => parseNameAddr("<urn:service:sos>"),
    isSipParseError,
    "but a Belay URI must be sip/sips/tel",
  );
});

test("Via: transport uppercased, port, rport flag and received, formatting round trip", () => {
  const via = parseVia("SIP/2.0/udp 127.0.0.1:5082;branch=z9hG4bKc1f9;rport");
  assert.deepEqual(via, {
    transport: "UDP",
    host: "127.0.0.1",
    port: 5082,
    params: new Map<string, string | null>([
      ["branch", "z9hG4bKc1f9"],
      ["rport", null],
    ]),
  });
  via.params.set("rport", "5082");
  via.params.set("received", "192.0.2.7");
  assert.equal(formatVia(via), "SIP/2.0/UDP 127.0.0.1:5082;branch=z9hG4bKc1f9;rport=5082;received=192.0.2.7");
  assert.deepEqual(parseVia(formatVia(via)), via);
  assert.equal(
    parseVia("SIP / 2.0 / TCP host.example.com ; branch = z9hG4bK1").params.get("branch"),
    "z9hG4bK1",
  );
});

test("Via refusals: other protocols, no host, empty parameters, bad ports", () => {
  const bad = [
    "SIP/3.0/UDP host",
    "HTTP/1.1/TCP host",
    "SIP/2.0/UDP",
    "SIP/2.0 UDP host",
    "SIP/2.0/UDP host;;branch=x",
    "SIP/2.0/UDP host:70000",
    "SIP/2.0/UDP host;branch=",
    "SIP/2.0/UDP host junk",
  ];
  for (const text of bad) assert.throws(() => parseVia(text), isSipParseError, JSON.stringify(text));
});
