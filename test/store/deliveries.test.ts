import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { BACKENDS, id, newAccount, newDelivery, openTestStore, type TestStore } from "./helpers.js";

const A = newAccount(1).accountId;
const B = newAccount(2).accountId;
const WD = (...ns: number[]) => ns.map((n) => id("WD", n));

for (const backend of BACKENDS) {
  describe(`webhook deliveries (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
    });
    afterEach(() => t.dispose());

    test("create and get round-trip every field, body byte for byte", async () => {
      const input = newDelivery(A, 1, {
        callId: id("CA", 1),
        body: '{"requestType":"callStatus","note":"ünïcode ✓","n":1}',
        durable: false,
        state: "failed",
        attempts: 3,
        nextAttemptAt: 1_700_000_005_000,
        lastStatus: 503,
        lastError: "HTTP 503",
        latencyMs: 812,
        redacted: true,
      });
      const created = await t.store.deliveries.create(input);
      assert.deepEqual(created, { ...input, dateCreated: t.clock.time, dateUpdated: t.clock.time });
      assert.deepEqual(await t.store.deliveries.get(input.deliveryId), created);
      assert.equal(await t.store.deliveries.get(id("WD", 2)), undefined);
      const plain = await t.store.deliveries.create(newDelivery(A, 3));
      assert.equal(plain.redacted, false, "redacted defaults to false");
      assert.equal((await t.store.deliveries.get(plain.deliveryId))?.redacted, false);
    });

    test("update patches given fields and sets dateUpdated", async () => {
      const created = await t.store.deliveries.create(newDelivery(A, 1, { nextAttemptAt: t.clock.time }));
      t.clock.advance(700);
      await t.store.deliveries.update(created.deliveryId, {
        state: "delivered",
        attempts: 1,
        lastStatus: 204,
        latencyMs: 35,
        nextAttemptAt: null,
      });
      assert.deepEqual(await t.store.deliveries.get(created.deliveryId), {
        ...created,
        state: "delivered",
        attempts: 1,
        lastStatus: 204,
        latencyMs: 35,
        nextAttemptAt: null,
        dateUpdated: created.dateCreated + 700,
      });
    });

    test("update of a missing delivery, or with another accountId, is STORE_NOT_FOUND", async () => {
      const created = await t.store.deliveries.create(newDelivery(A, 1));
      await assert.rejects(t.store.deliveries.update(id("WD", 9), { attempts: 1 }), (err) =>
        isBelayError(err, "STORE_NOT_FOUND"),
      );
      await assert.rejects(
        t.store.deliveries.update(created.deliveryId, { accountId: B, attempts: 1 }),
        (err) => isBelayError(err, "STORE_NOT_FOUND"),
      );
      await t.store.deliveries.update(created.deliveryId, { accountId: A, attempts: 2 });
      const row = await t.store.deliveries.get(created.deliveryId);
      assert.equal(row?.accountId, A);
      assert.equal(row?.attempts, 2);
    });

    test("a duplicate delivery id is STORE_CONFLICT", async () => {
      await t.store.deliveries.create(newDelivery(A, 1));
      await assert.rejects(t.store.deliveries.create(newDelivery(A, 1)), (err) =>
        isBelayError(err, "STORE_CONFLICT"),
      );
    });

    test("listDue: durable, pending, nextAttemptAt <= now, earliest first, up to limit", async () => {
      const now = 1_800_000_000_000;
      await t.store.deliveries.create(newDelivery(A, 1, { nextAttemptAt: now }));
      await t.store.deliveries.create(newDelivery(B, 2, { nextAttemptAt: now - 3000 }));
      await t.store.deliveries.create(newDelivery(A, 3, { nextAttemptAt: now - 1000 }));
      await t.store.deliveries.create(newDelivery(A, 4, { nextAttemptAt: now - 1000 })); // tie with 3
      await t.store.deliveries.create(newDelivery(A, 5, { nextAttemptAt: now + 1 })); // not yet
      await t.store.deliveries.create(newDelivery(A, 6, { nextAttemptAt: null })); // unscheduled
      await t.store.deliveries.create(newDelivery(A, 7, { nextAttemptAt: now - 9000, durable: false }));
      await t.store.deliveries.create(newDelivery(A, 8, { nextAttemptAt: now - 9000, state: "delivered" }));
      await t.store.deliveries.create(newDelivery(A, 9, { nextAttemptAt: now - 9000, state: "failed" }));
      const ids = async (at: number, limit: number) =>
        (await t.store.deliveries.listDue(at, limit)).map((d) => d.deliveryId);
      assert.deepEqual(await ids(now, 10), WD(2, 3, 4, 1));
      assert.deepEqual(await ids(now, 2), WD(2, 3));
      assert.deepEqual(await ids(now + 1, 10), WD(2, 3, 4, 1, 5));
      await t.store.deliveries.update(id("WD", 2), { state: "delivered" });
      assert.deepEqual(await ids(now, 10), WD(3, 4, 1));
    });

    test("listByCall: that call's deliveries, oldest first", async () => {
      const call = id("CA", 1);
      await t.store.deliveries.create(newDelivery(A, 1, { callId: call, durable: false }));
      t.clock.advance(10);
      await t.store.deliveries.create(newDelivery(A, 2, { callId: id("CA", 2) }));
      await t.store.deliveries.create(newDelivery(A, 3, { callId: call }));
      await t.store.deliveries.create(newDelivery(A, 4, { callId: call })); // same millisecond as 3
      await t.store.deliveries.create(newDelivery(A, 5, { callId: null }));
      assert.deepEqual(
        (await t.store.deliveries.listByCall(call)).map((d) => d.deliveryId),
        WD(1, 3, 4),
      );
      assert.deepEqual(await t.store.deliveries.listByCall(id("CA", 9)), []);
    });

    test("deleteSettledBefore: delivered and failed rows updated before the cutoff, oldest first, never pending", async () => {
      const start = t.clock.time;
      await t.store.deliveries.create(newDelivery(A, 1, { state: "delivered", durable: false }));
      await t.store.deliveries.create(newDelivery(A, 2, { nextAttemptAt: start }));
      t.clock.advance(1000);
      await t.store.deliveries.create(newDelivery(B, 3, { state: "failed" }));
      t.clock.advance(1000);
      await t.store.deliveries.create(newDelivery(A, 4, { state: "delivered" }));
      const left = async () => {
        const rows = await Promise.all(WD(1, 2, 3, 4).map((d) => t.store.deliveries.get(d)));
        return rows.flatMap((row) => (row ? [row.deliveryId] : []));
      };
      assert.equal(await t.store.deliveries.deleteSettledBefore(start + 2000, 1), 1);
      assert.deepEqual(await left(), WD(2, 3, 4), "the oldest settled row goes first");
      assert.equal(await t.store.deliveries.deleteSettledBefore(start + 2000, 10), 1);
      assert.deepEqual(await left(), WD(2, 4), "a row updated at the cutoff stays");
      t.clock.advance(100_000);
      assert.equal(await t.store.deliveries.deleteSettledBefore(t.clock.time + 1, 10), 1);
      assert.deepEqual(await left(), WD(2), "a pending row stays, however old");
    });
  });
}
