import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import type { QueueRow } from "../../src/store/types.js";
import { BACKENDS, id, newAccount, openTestStore, type TestStore } from "./helpers.js";

const A = newAccount(1).accountId;
const B = newAccount(2).accountId;
const QU = (...ns: number[]) => ns.map((n) => id("QU", n));

const newQueue = (
  accountId: string,
  n: number,
  extra: Partial<Pick<QueueRow, "alias" | "maxSize">> = {},
) => ({
  queueId: id("QU", n),
  accountId,
  alias: null,
  maxSize: 100,
  ...extra,
});

for (const backend of BACKENDS) {
  describe(`queues (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
    });
    afterEach(() => t.dispose());

    test("create, get and find round-trip every field; another account does not get it", async () => {
      const input = newQueue(A, 1, { alias: "support", maxSize: 25 });
      const created = await t.store.queues.create(input);
      assert.deepEqual(created, {
        ...input,
        removals: 0,
        removalSeconds: 0,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.queues.get(A, input.queueId), created);
      assert.equal(await t.store.queues.get(B, input.queueId), undefined);
      assert.deepEqual(await t.store.queues.find(input.queueId), created, "find: any account's");
      assert.equal(await t.store.queues.find(id("QU", 9)), undefined);
    });

    test("an id is one queue across accounts; an unknown account cannot own one", async () => {
      await t.store.queues.create(newQueue(A, 1));
      await assert.rejects(t.store.queues.create(newQueue(B, 1)), (err) =>
        isBelayError(err, "STORE_CONFLICT"),
      );
      await assert.rejects(t.store.queues.create(newQueue(newAccount(9).accountId, 2)), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
    });

    test("list is one account's queues, newest first, paged, with an exact alias filter", async () => {
      for (const [n, alias] of [
        [1, "sales"],
        [2, "Sales"],
        [3, "sales"],
        [4, null],
      ] as const) {
        await t.store.queues.create(newQueue(A, n, { alias }));
        t.clock.advance(1000);
      }
      await t.store.queues.create(newQueue(B, 9, { alias: "sales" }));
      const ids = (page: { items: QueueRow[] }) => page.items.map((q) => q.queueId);

      const all = await t.store.queues.list(A);
      assert.deepEqual([all.total, ids(all)], [4, QU(4, 3, 2, 1)]);
      const sales = await t.store.queues.list(A, { alias: "sales" });
      assert.deepEqual([sales.total, ids(sales)], [2, QU(3, 1)], "exact, case included");
      const second = await t.store.queues.list(A, { alias: "sales" }, { offset: 1, limit: 1 });
      assert.deepEqual([second.total, ids(second)], [2, QU(1)]);
      const page = await t.store.queues.list(A, {}, { offset: 1, limit: 2 });
      assert.deepEqual([page.total, ids(page)], [4, QU(3, 2)]);
      assert.deepEqual(ids(await t.store.queues.list(A, { alias: "none" })), []);
      // Created in the same millisecond: still newest first, by insertion order.
      await t.store.queues.create(newQueue(A, 5));
      await t.store.queues.create(newQueue(A, 6));
      assert.deepEqual(ids(await t.store.queues.list(A, {}, { limit: 2 })), QU(6, 5));
    });

    test("update changes only the fields given, bumps revision and dateUpdated", async () => {
      const created = await t.store.queues.create(newQueue(A, 1, { alias: "a", maxSize: 10 }));
      t.clock.advance(5000);
      const resized = await t.store.queues.update(A, created.queueId, { maxSize: 3 });
      assert.deepEqual(resized, { ...created, maxSize: 3, revision: 2, dateUpdated: t.clock.time });
      t.clock.advance(1000);
      const renamed = await t.store.queues.update(A, created.queueId, { alias: "b" });
      assert.deepEqual(renamed, {
        ...created,
        alias: "b",
        maxSize: 3,
        revision: 3,
        dateUpdated: t.clock.time,
      });
      assert.deepEqual(await t.store.queues.get(A, created.queueId), renamed);
      assert.equal(await t.store.queues.update(B, created.queueId, { alias: "theirs" }), undefined);
      assert.equal(
        (await t.store.queues.get(A, created.queueId))?.alias,
        "b",
        "another account changes nothing",
      );
    });

    test("recordRemoval adds to the totals without a revision; only the account's queue counts", async () => {
      const created = await t.store.queues.create(newQueue(A, 1));
      t.clock.advance(1000);
      await t.store.queues.recordRemoval(A, created.queueId, 30);
      await t.store.queues.recordRemoval(A, created.queueId, 0);
      await t.store.queues.recordRemoval(A, created.queueId, 1200);
      await t.store.queues.recordRemoval(B, created.queueId, 99);
      const row = await t.store.queues.get(A, created.queueId);
      assert.deepEqual(row, { ...created, removals: 3, removalSeconds: 1230 });
    });
  });
}
