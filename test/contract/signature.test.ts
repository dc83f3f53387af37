import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import freeclimb from "@freeclimb/sdk";
import { newSigningSecret } from "../../src/contract/ids.js";
import { signPayload, verifySignature } from "../../src/contract/signature.js";
import { isBelayError } from "../../src/errors.js";

type TestVector = {
  signingSecret: string;
  header: string;
  rawBody: string;
  expectedHexHmacSha256: string;
};

const vector = JSON.parse(
  readFileSync(new URL("../fixtures/freeclimb/signature-test-vector.json", import.meta.url), "utf8"),
) as TestVector;
const vectorTime = Number(/^t=(\d+),/.exec(vector.header)?.[1]);

describe("signPayload", () => {
  test("reproduces FreeClimb's signed sample", () => {
    const header = signPayload(vector.rawBody, [vector.signingSecret], vectorTime);
    assert.equal(header, `t=${vectorTime},v1=${vector.expectedHexHmacSha256}`);
    assert.ok(vector.header.startsWith(header), "the first v1 of FreeClimb's header is ours");
  });

  test("writes one v1 per secret, in order", () => {
    const a = newSigningSecret();
    const b = newSigningSecret();
    const both = signPayload("{}", [a, b], 1_700_000_000);
    const [t, v1a, v1b, ...rest] = both.split(",");
    assert.equal(t, "t=1700000000");
    assert.equal(rest.length, 0);
    assert.equal(`${t},${v1a}`, signPayload("{}", [a], 1_700_000_000));
    assert.equal(`${t},${v1b}`, signPayload("{}", [b], 1_700_000_000));
    assert.match(v1a ?? "", /^v1=[0-9a-f]{64}$/);
  });

  test("refuses to sign without a secret or with a fractional time", () => {
    assert.throws(
      () => signPayload("{}", [], 1),
      (e) => isBelayError(e, "SIGNATURE_NO_SECRET"),
    );
    assert.throws(
      () => signPayload("{}", ["s"], 1.5),
      (e) => isBelayError(e, "SIGNATURE_BAD_TIME"),
    );
  });

  test("the official SDK's verifyRequest accepts what Belay signs", () => {
    const secret = newSigningSecret();
    const body = '{"requestType":"inboundCall"}';
    const header = signPayload(body, [newSigningSecret(), secret], Math.floor(Date.now() / 1000));
    // utils is missing from the SDK's type declarations but present at runtime
    const sdk = freeclimb("AC".padEnd(42, "0"), "0".repeat(40)) as unknown as {
      utils: { verifyRequest(body: string, header: string, secret: string): void };
    };
    assert.doesNotThrow(() => sdk.utils.verifyRequest(body, header, secret));
    assert.throws(() => sdk.utils.verifyRequest(`${body} `, header, secret));
  });
});

describe("verifySignature", () => {
  const now = vectorTime + 10;
  const verify = (header: string, body = vector.rawBody, secrets = [vector.signingSecret], at = now) =>
    verifySignature(header, body, secrets, at);

  test("accepts FreeClimb's signed sample", () => {
    assert.deepEqual(verify(vector.header), { ok: true });
  });

  test("rejects a tampered body", () => {
    assert.deepEqual(verify(vector.header, vector.rawBody.replace("ringing", "inProgress")), {
      ok: false,
      reason: "mismatch",
    });
  });

  test("rejects the wrong secret", () => {
    assert.deepEqual(verify(vector.header, vector.rawBody, [newSigningSecret()]), {
      ok: false,
      reason: "mismatch",
    });
  });

  test("passes when any secret matches (rotation)", () => {
    assert.deepEqual(verify(vector.header, vector.rawBody, [newSigningSecret(), vector.signingSecret]), {
      ok: true,
    });
  });

  test("passes when a later v1 matches", () => {
    const other = newSigningSecret();
    const header = signPayload(vector.rawBody, [newSigningSecret(), other], vectorTime);
    assert.deepEqual(verify(header, vector.rawBody, [other]), { ok: true });
  });

  test("rejects timestamps more than the tolerance old or ahead, and accepts the edges", () => {
    assert.deepEqual(verify(vector.header, vector.rawBody, [vector.signingSecret], vectorTime + 300), {
      ok: true,
    });
    assert.deepEqual(verify(vector.header, vector.rawBody, [vector.signingSecret], vectorTime + 301), {
      ok: false,
      reason: "stale",
    });
    assert.deepEqual(verify(vector.header, vector.rawBody, [vector.signingSecret], vectorTime - 300), {
      ok: true,
    });
    assert.deepEqual(verify(vector.header, vector.rawBody, [vector.signingSecret], vectorTime - 301), {
      ok: false,
      reason: "future",
    });
    assert.deepEqual(
      verifySignature(vector.header, vector.rawBody, [vector.signingSecret], vectorTime + 60, 30),
      {
        ok: false,
        reason: "stale",
      },
    );
  });

  test("rejects malformed headers", () => {
    const v1 = `v1=${vector.expectedHexHmacSha256}`;
    const malformed = [
      "",
      "garbage",
      v1,
      `t=${vectorTime}`,
      `t=abc,${v1}`,
      `t=${vectorTime},t=${vectorTime},${v1}`,
      `t=${vectorTime},v1=${vector.expectedHexHmacSha256.slice(2)}`,
      `t=${vectorTime},v1=${"z".repeat(64)}`,
      `t=${vectorTime},${v1},junk`,
    ];
    for (const header of malformed) {
      assert.deepEqual(verify(header), { ok: false, reason: "malformed" }, header);
    }
  });

  test("ignores signature schemes it does not know", () => {
    assert.deepEqual(verify(`t=${vectorTime},v0=abc,v1=${vector.expectedHexHmacSha256}`), { ok: true });
  });
});
