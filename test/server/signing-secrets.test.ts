import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cachedSigningSecrets, SIGNING_SECRET_TTL_MS } from "../../src/server/signing-secrets.js";
import type { AccountRow } from "../../src/store/types.js";

function accountsWith(rows: Map<string, string>) {
  const reads: string[] = [];
  return {
    reads,
    accounts: {
      async get(accountId: string): Promise<AccountRow | undefined> {
        reads.push(accountId);
        const signingSecret = rows.get(accountId);
        if (signingSecret === undefined) return undefined;
        return {
          accountId,
          apiKey: "k",
          signingSecret,
          alias: null,
          label: null,
          dateCreated: 0,
          dateUpdated: 0,
          revision: 1,
        };
      },
    },
  };
}

describe("cachedSigningSecrets", () => {
  test("reads an account once per TTL, and picks up a changed secret after it", async () => {
    const rows = new Map([["AC1", "sigsec_one"]]);
    const { accounts, reads } = accountsWith(rows);
    let now = 1_000;
    const secretsFor = cachedSigningSecrets(accounts, () => now);

    assert.deepEqual(await secretsFor("AC1"), ["sigsec_one"]);
    rows.set("AC1", "sigsec_two");
    now += SIGNING_SECRET_TTL_MS - 1;
    assert.deepEqual(await secretsFor("AC1"), ["sigsec_one"], "within the TTL: no read");
    assert.deepEqual(reads, ["AC1"]);
    now += 1;
    assert.deepEqual(await secretsFor("AC1"), ["sigsec_two"]);
    assert.deepEqual(reads, ["AC1", "AC1"]);
  });

  test("an unknown account has no secrets and is asked for again each time", async () => {
    const rows = new Map<string, string>();
    const { accounts, reads } = accountsWith(rows);
    const secretsFor = cachedSigningSecrets(accounts, () => 0);
    assert.deepEqual(await secretsFor("AC2"), []);
    rows.set("AC2", "sigsec_new");
    assert.deepEqual(await secretsFor("AC2"), ["sigsec_new"]);
    assert.deepEqual(reads, ["AC2", "AC2"]);
  });

  test("accounts are cached each on their own", async () => {
    const { accounts, reads } = accountsWith(
      new Map([
        ["AC1", "sigsec_one"],
        ["AC2", "sigsec_two"],
      ]),
    );
    const secretsFor = cachedSigningSecrets(accounts, () => 0);
    assert.deepEqual(
      [await secretsFor("AC1"), await secretsFor("AC2"), await secretsFor("AC1"), await secretsFor("AC2")],
      [["sigsec_one"], ["sigsec_two"], ["sigsec_one"], ["sigsec_two"]],
    );
    assert.deepEqual(reads, ["AC1", "AC2"]);
  });
});
