import assert from "node:assert/strict";
import { test } from "node:test";
import {
  LINK_ROUTE_PREFIX,
  type LinkClaims,
  linkExpired,
  linkKey,
  linkPath,
  parseLink,
  signatureMatches,
} from "../../src/api/recording-link-token.js";
import { newApiKey, newId } from "../../src/contract/ids.js";

/** The signed-link token on its own: format, strict parsing, HMAC verification, expiry. */

const account = { accountId: newId("AC"), apiKey: newApiKey() };
const claims: LinkClaims = { accountId: account.accountId, recordingId: newId("RE"), expires: 1_800_000_000 };

/** Splits a minted path the way the route's params and query arrive. */
function partsOf(path: string): { accountId: string; file: string; query: Record<string, string> } {
  const url = new URL(path, "http://belay.test");
  const [accountId, file] = url.pathname.slice(LINK_ROUTE_PREFIX.length + 1).split("/") as [string, string];
  return { accountId, file, query: Object.fromEntries(url.searchParams) };
}

function parse(path: string) {
  const { accountId, file, query } = partsOf(path);
  return parseLink(accountId, file, query);
}

test("a minted path names the account, the recording and the expiry, and verifies with its key", () => {
  const path = linkPath(claims, linkKey(account));
  assert.match(
    path,
    new RegExp(
      `^${LINK_ROUTE_PREFIX}/${claims.accountId}/${claims.recordingId}\\.wav\\?expires=1800000000&signature=[0-9a-f]{64}$`,
    ),
  );
  const link = parse(path);
  assert.ok(link);
  assert.deepEqual(link.claims, claims);
  assert.equal(signatureMatches(link, linkKey(account)), true);
});

test("the key is per account and follows the API key: another key or a rotated one fails", () => {
  const link = parse(linkPath(claims, linkKey(account)));
  assert.ok(link);
  assert.equal(signatureMatches(link, linkKey({ ...account, apiKey: newApiKey() })), false);
  assert.equal(signatureMatches(link, linkKey({ accountId: newId("AC"), apiKey: account.apiKey })), false);
  assert.equal(signatureMatches(link, Buffer.alloc(32)), false);
  assert.deepEqual(linkKey(account), linkKey({ ...account }));
  assert.equal(linkKey(account).length, 32);
});

test("changing any signed part, or the signature, fails verification", () => {
  const key = linkKey(account);
  const good = partsOf(linkPath(claims, key));
  const flip = (hex: string) => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
  const tampered = [
    { ...good, query: { ...good.query, expires: String(claims.expires + 1) } },
    { ...good, file: `${newId("RE")}.wav` },
    { ...good, accountId: newId("AC") },
    { ...good, query: { ...good.query, signature: flip(good.query.signature as string) } },
  ];
  for (const parts of tampered) {
    const link = parseLink(parts.accountId, parts.file, parts.query);
    assert.ok(link, "still well-formed");
    assert.equal(signatureMatches(link, key), false, JSON.stringify(parts));
  }
});

test("anything but exactly Belay's format is malformed", () => {
  const good = partsOf(linkPath(claims, linkKey(account)));
  const { expires, signature } = good.query as { expires: string; signature: string };
  const malformed: Array<[unknown, unknown, unknown]> = [
    ["AC123", good.file, good.query],
    [good.accountId.toUpperCase(), good.file, good.query],
    [good.accountId, good.file.replace(".wav", ""), good.query],
    [good.accountId, good.file.replace(".wav", ".mp3"), good.query],
    [good.accountId, `x${good.file}`, good.query],
    [good.accountId, good.file, { expires }],
    [good.accountId, good.file, { signature }],
    [good.accountId, good.file, { expires, signature, extra: "1" }],
    [good.accountId, good.file, { expires: [expires, expires], signature }],
    [good.accountId, good.file, { expires: `0${expires}`, signature }],
    [good.accountId, good.file, { expires: "-5", signature }],
    [good.accountId, good.file, { expires: "1e9", signature }],
    [good.accountId, good.file, { expires: "9".repeat(13), signature }],
    [good.accountId, good.file, { expires, signature: signature.toUpperCase() }],
    [good.accountId, good.file, { expires, signature: signature.slice(2) }],
    [good.accountId, good.file, { expires, signature: `${signature}00` }],
    [good.accountId, good.file, { expires, signature: Buffer.from(signature, "hex").toString("base64") }],
    [good.accountId, good.file, null],
    [undefined, undefined, undefined],
  ];
  for (const [accountId, file, query] of malformed) {
    assert.equal(parseLink(accountId, file, query), undefined, JSON.stringify([accountId, file, query]));
  }
});

test("a link works strictly before its expiry second", () => {
  assert.equal(linkExpired(claims, claims.expires * 1000 - 1), false);
  assert.equal(linkExpired(claims, claims.expires * 1000), true);
  assert.equal(linkExpired(claims, claims.expires * 1000 + 1), true);
});
