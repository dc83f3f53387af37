import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type IdPrefix, isId, newApiKey, newId, newSigningSecret } from "../../src/contract/ids.js";

const PREFIXES: IdPrefix[] = ["AC", "AP", "CA", "RE", "PN", "CF", "QU", "RQ"];

describe("ids", () => {
  test("newId is the prefix and 40 lowercase hex digits, and isId agrees", () => {
    for (const prefix of PREFIXES) {
      const id = newId(prefix);
      assert.match(id, new RegExp(`^${prefix}[0-9a-f]{40}$`));
      assert.equal(isId(id), true);
      assert.equal(isId(id, prefix), true);
    }
  });

  test("newId does not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId("CA")));
    assert.equal(ids.size, 1000);
  });

  test("an id starts with its creation time, so later ids sort after earlier ones", () => {
    const at = 0x0123456789ab;
    assert.match(newId("CA", at), /^CA0123456789ab[0-9a-f]{28}$/);
    const sameMs = Array.from({ length: 300 }, () => newId("RE", at));
    assert.equal(new Set(sameMs).size, 300, "ids made in the same millisecond still differ");
    const later = newId("RE", at + 1);
    assert.ok(sameMs.every((id) => id < later));
    assert.equal(isId(newId("CA")), true);
  });

  test("isId rejects other prefixes and malformed values", () => {
    const call = newId("CA");
    assert.equal(isId(call, "RE"), false);
    const bad: unknown[] = [
      `ca${call.slice(2)}`,
      `CA${call.slice(2).toUpperCase()}`,
      call.slice(0, -1),
      `${call}0`,
      `C1${call.slice(2)}`,
      `CA${"g".repeat(40)}`,
      ` ${call}`,
      42,
      null,
      undefined,
    ];
    for (const value of bad) assert.equal(isId(value), false, String(value));
  });

  test("API keys and signing secrets have FreeClimb's shapes", () => {
    assert.match(newApiKey(), /^[0-9a-f]{40}$/);
    assert.match(newSigningSecret(), /^sigsec_[0-9a-f]{40}$/);
    assert.notEqual(newApiKey(), newApiKey());
    assert.notEqual(newSigningSecret(), newSigningSecret());
  });
});
