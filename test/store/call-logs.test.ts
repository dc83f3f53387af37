import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { CallLogCondition, CallLogRow } from "../../src/store/types.js";
import { BACKENDS, id, newAccount, openTestStore, type TestStore } from "./helpers.js";

const A = id("AC", 1);
const B = id("AC", 2);

function entry(
  n: number,
  extra: Partial<Omit<CallLogRow, "dateCreated">> = {},
): Omit<CallLogRow, "dateCreated"> {
  return {
    accountId: A,
    callId: id("CA", n % 2),
    timestamp: 1_700_000_000_000_000 + n,
    level: "info",
    requestId: id("RQ", n),
    message: `entry ${n}`,
    metadata: { n, even: n % 2 === 0, ...(n % 3 === 0 ? { url: `http://app/${n}` } : {}) },
    ...extra,
  };
}

for (const backend of BACKENDS) {
  describe(`call logs (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
    });
    afterEach(() => t.dispose());

    const messages = async (where: CallLogCondition, accountId = A) =>
      (await t.store.callLogs.list(accountId, { where })).items.map((l) => l.message);

    test("list: newest first, per account and per call, with metadata read back as written", async () => {
      for (let n = 0; n < 5; n++) await t.store.callLogs.create(entry(n));
      await t.store.callLogs.create(entry(9, { accountId: B, callId: null, metadata: null }));
      const all = await t.store.callLogs.list(A);
      assert.equal(all.total, 5);
      assert.deepEqual(
        all.items.map((l) => l.message),
        ["entry 4", "entry 3", "entry 2", "entry 1", "entry 0"],
      );
      assert.deepEqual(all.items[1], { ...entry(3), dateCreated: t.clock.time });
      const oneCall = await t.store.callLogs.list(A, { callId: id("CA", 1) }, { offset: 1, limit: 1 });
      assert.deepEqual([oneCall.total, oneCall.items.map((l) => l.message)], [2, ["entry 1"]]);
      const other = await t.store.callLogs.list(B);
      assert.deepEqual(
        other.items.map((l) => [l.callId, l.metadata]),
        [[null, null]],
      );
    });

    test("a snapshot keeps later entries out of a listing's later pages", async () => {
      for (let n = 0; n < 3; n++) await t.store.callLogs.create(entry(n));
      const first = await t.store.callLogs.list(A, {}, { limit: 2 });
      await t.store.callLogs.create(entry(10));
      const second = await t.store.callLogs.list(A, { upToSeq: first.snapshot }, { offset: 2, limit: 2 });
      assert.deepEqual([second.total, second.items.map((l) => l.message)], [3, ["entry 0"]]);
      assert.equal((await t.store.callLogs.list(A)).total, 4);
    });

    test("filters: != is null-safe, metadata compares by JSON type, booleans and nested AND/OR", async () => {
      for (let n = 0; n < 6; n++) await t.store.callLogs.create(entry(n));
      await t.store.callLogs.create(entry(6, { callId: null, metadata: { n: "6" } }));
      assert.deepEqual(
        await messages({ kind: "field", field: "callId", comparator: "!=", value: id("CA", 0) }),
        ["entry 6", "entry 5", "entry 3", "entry 1"],
      );
      // "6" is a string: neither equal to nor greater than the number 5.
      assert.deepEqual(await messages({ kind: "metadata", path: ["n"], comparator: ">=", value: 5 }), [
        "entry 5",
      ]);
      assert.deepEqual(await messages({ kind: "metadata", path: ["n"], comparator: "=", value: "6" }), [
        "entry 6",
      ]);
      assert.deepEqual(
        await messages({ kind: "metadata", path: ["url"], comparator: "!=", value: "http://app/3" }),
        ["entry 6", "entry 5", "entry 4", "entry 2", "entry 1", "entry 0"],
      );
      assert.deepEqual(
        await messages({
          kind: "and",
          left: { kind: "metadata", path: ["even"], comparator: "=", value: true },
          right: {
            kind: "or",
            left: { kind: "field", field: "message", comparator: "=", value: "entry 2" },
            right: { kind: "field", field: "timestamp", comparator: ">", value: 1_700_000_000_000_003 },
          },
        }),
        ["entry 4", "entry 2"],
      );
      assert.deepEqual(
        await messages({ kind: "field", field: "level", comparator: "=", value: "info" }, B),
        [],
      );
      await assert.rejects(
        messages({ kind: "metadata", path: ['a"b'], comparator: "=", value: 1 }),
        /not a plain name/,
      );
    });

    test("deleteBefore removes entries stored before a time, oldest first, in batches", async () => {
      for (let n = 0; n < 3; n++) await t.store.callLogs.create(entry(n));
      t.clock.advance(1000);
      await t.store.callLogs.create(entry(3));
      assert.equal(await t.store.callLogs.deleteBefore(t.clock.time, 2), 2);
      assert.equal(await t.store.callLogs.deleteBefore(t.clock.time, 2), 1);
      assert.equal(await t.store.callLogs.deleteBefore(t.clock.time, 2), 0);
      assert.deepEqual(
        (await t.store.callLogs.list(A)).items.map((l) => l.message),
        ["entry 3"],
      );
    });
  });
}
