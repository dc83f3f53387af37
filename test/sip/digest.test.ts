import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { parseChallenges } from "../../src/legs/sip/auth/challenge.js";
import {
  authorizationValue,
  type DigestChallenge,
  digestChallenge,
  digestResponse,
  preferred,
} from "../../src/legs/sip/auth/digest.js";
import { DigestSession } from "../../src/legs/sip/auth/digest-session.js";
import { createHeaders } from "../../src/legs/sip/message/headers.js";
import type { SipRequest, SipResponse } from "../../src/legs/sip/message/types.js";

const MD5 = { name: "MD5", hash: "md5", sess: false } as const;
const SHA256 = { name: "SHA-256", hash: "sha256", sess: false } as const;

describe("the digest response", () => {
  // RFC 7616 section 3.9.1: the same request answered with MD5 and with SHA-256.
  const rfc7616 = {
    username: "Mufasa",
    password: "Circle of Life",
    realm: "http-auth@example.org",
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    method: "GET",
    uri: "/dir/index.html",
    qop: "auth",
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    nc: "00000001",
  } as const;

  test("RFC 7616 3.9.1, MD5", () => {
    assert.equal(digestResponse({ ...rfc7616, algorithm: MD5 }), "8ca523f5e9506fed4657c9700eebdbec");
  });

  test("RFC 7616 3.9.1, SHA-256", () => {
    assert.equal(
      digestResponse({ ...rfc7616, algorithm: SHA256 }),
      "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
    );
  });

  test("RFC 2617 3.5, the classic example", () => {
    assert.equal(
      digestResponse({
        algorithm: MD5,
        username: "Mufasa",
        password: "Circle Of Life",
        realm: "testrealm@host.com",
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        method: "GET",
        uri: "/dir/index.html",
        qop: "auth",
        nc: "00000001",
        cnonce: "0a4f113b",
      }),
      "6629fae49393a05397450978507c4ef1",
    );
  });

  test("no qop: RFC 2069's H(HA1:nonce:HA2)", () => {
    // H(H(u:r:p):nonce:H(INVITE:uri)) written out with node's own hashes, step by step.
    const md5 = (s: string) => createHash("md5").update(s).digest("hex");
    const expected = md5(`${md5("alice:sip.example:pw")}:abc:${md5("INVITE:sip:+1555@sip.example")}`);
    assert.equal(
      digestResponse({
        algorithm: MD5,
        username: "alice",
        password: "pw",
        realm: "sip.example",
        nonce: "abc",
        method: "INVITE",
        uri: "sip:+1555@sip.example",
      }),
      expected,
    );
  });

  test("-sess: HA1 also covers the nonce and cnonce (RFC 7616 3.4.2)", () => {
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    const ha1 = sha(`${sha("u:r:p")}:n:c`);
    const expected = sha(`${ha1}:n:00000001:c:auth:${sha("REGISTER:sip:h")}`);
    assert.equal(
      digestResponse({
        algorithm: { name: "SHA-256-sess", hash: "sha256", sess: true },
        username: "u",
        password: "p",
        realm: "r",
        nonce: "n",
        method: "REGISTER",
        uri: "sip:h",
        qop: "auth",
        cnonce: "c",
        nc: "00000001",
      }),
      expected,
    );
  });
});

describe("challenges", () => {
  test("quoted values keep their commas and escapes; several challenges in one value are split", () => {
    const parsed = parseChallenges(
      'Digest realm="a, \\"b\\"", nonce="n1", qop="auth,auth-int", algorithm=SHA-256, Digest realm="c",nonce=n2',
    );
    assert.equal(parsed.length, 2);
    assert.equal(parsed[0]?.params.get("realm"), 'a, "b"');
    assert.equal(parsed[0]?.params.get("qop"), "auth,auth-int");
    assert.equal(parsed[0]?.params.get("algorithm"), "SHA-256");
    assert.equal(parsed[1]?.params.get("nonce"), "n2");
  });

  test("SHA-256 is preferred over MD5 for one realm, whatever the order", () => {
    const md5 = digestChallenge(parseChallenges('Digest realm="r", nonce="1", algorithm=MD5')[0] as never);
    const sha = digestChallenge(
      parseChallenges('Digest realm="r", nonce="2", algorithm=SHA-256')[0] as never,
    );
    assert.equal(preferred([md5, sha] as DigestChallenge[])?.nonce, "2");
    assert.equal(preferred([sha, md5] as DigestChallenge[])?.nonce, "2");
  });

  test("auth-int only, unknown algorithms and other schemes are refused with the reason", () => {
    const reasons = [
      'Digest realm="r", nonce="1", qop="auth-int"',
      'Digest realm="r", nonce="1", algorithm=SHA-512-256',
      'Basic realm="r"',
      'Digest realm="r", nonce="1", algorithm=MD5-sess',
    ].map((v) => digestChallenge(parseChallenges(v)[0] as never));
    assert.deepEqual(
      reasons.map((r) => ("unanswerable" in r ? r.unanswerable : "answered")),
      [
        "qop=auth-int (only qop=auth is supported)",
        "algorithm SHA-512-256 (MD5, SHA-256 and their -sess are supported)",
        "scheme Basic (only Digest is supported)",
        "algorithm MD5-sess without qop",
      ],
    );
  });

  test("the Authorization value echoes realm and opaque, counts nc in hex and names the algorithm", () => {
    const challenge = digestChallenge(
      parseChallenges('Digest realm="r", nonce="n", opaque="o", qop="auth", algorithm=SHA-256')[0] as never,
    ) as DigestChallenge;
    const value = authorizationValue(
      challenge,
      { username: "u", password: "p" },
      { method: "INVITE", uri: "sip:1@h" },
      { cnonce: "c", nc: 26 },
    );
    const response = digestResponse({
      algorithm: SHA256,
      username: "u",
      password: "p",
      realm: "r",
      nonce: "n",
      method: "INVITE",
      uri: "sip:1@h",
      qop: "auth",
      cnonce: "c",
      nc: "0000001a",
    });
    assert.equal(
      value,
      `Digest username="u", realm="r", nonce="n", uri="sip:1@h", response="${response}", algorithm=SHA-256, cnonce="c", opaque="o", qop=auth, nc=0000001a`,
    );
  });
});

function request(seq: number): SipRequest {
  const headers = createHeaders({ CSeq: `${seq} INVITE` });
  return { kind: "request", method: "INVITE", uri: "sip:1@h", headers, body: Buffer.alloc(0) };
}

function challenge(seq: number, status: 401 | 407, value: string): SipResponse {
  const name = status === 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
  const headers = createHeaders({ CSeq: `${seq} INVITE`, [name]: value });
  return { kind: "response", status, reason: "Unauthorized", headers, body: Buffer.alloc(0) };
}

describe("a digest session never loops", () => {
  const credentials = { username: "u", password: "p" };

  test("a challenge is answered once; the same realm challenging the answer is a refusal", () => {
    const attempt = new DigestSession(credentials, "the trunk at h").attempt();
    const first = request(1);
    attempt.authorize(first);
    assert.equal(first.headers.has("Authorization"), false, "the first INVITE carries no credentials");
    assert.deepEqual(attempt.challenged(challenge(1, 401, 'Digest realm="r", nonce="a"')), { retry: true });
    const second = request(2);
    attempt.authorize(second);
    assert.match(second.headers.get("Authorization") ?? "", /^Digest username="u", realm="r", nonce="a"/);
    const verdict = attempt.challenged(challenge(2, 401, 'Digest realm="r", nonce="b"'));
    assert.deepEqual(verdict, {
      retry: false,
      realm: "r",
      reason: 'the trunk at h refused the credentials of user "u" for realm "r" (401 Unauthorized)',
    });
  });

  test("stale=true allows exactly one more, with the new nonce and nc back at 1", () => {
    const attempt = new DigestSession(credentials, "the trunk").attempt();
    attempt.authorize(request(1));
    assert.equal(attempt.challenged(challenge(1, 407, 'Digest realm="r", nonce="a", qop=auth')).retry, true);
    attempt.authorize(request(2));
    assert.equal(
      attempt.challenged(challenge(2, 407, 'Digest realm="r", nonce="b", qop=auth, stale=true')).retry,
      true,
    );
    const third = request(3);
    attempt.authorize(third);
    assert.match(third.headers.get("Proxy-Authorization") ?? "", /nonce="b".*nc=00000001$/);
    assert.equal(
      attempt.challenged(challenge(3, 407, 'Digest realm="r", nonce="c", qop=auth, stale=true')).retry,
      false,
    );
  });

  test("without credentials a challenge ends the request and says what to set", () => {
    const verdict = new DigestSession(undefined, "the trunk at h")
      .attempt()
      .challenged(challenge(1, 401, 'Digest realm="r", nonce="a"'));
    assert.equal(verdict.retry, false);
    assert.match(!verdict.retry ? verdict.reason : "", /no credentials are set \(--sip-outbound-username/);
  });
});
