import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { BACKENDS, id, newAccount, newCall, newRecording, openTestStore, type TestStore } from "./helpers.js";

const A = newAccount(1).accountId;
const B = newAccount(2).accountId;
const CALL_A1 = id("CA", 1);
const CALL_A2 = id("CA", 2);
const CALL_B = id("CA", 3);
const RE = (...ns: number[]) => ns.map((n) => id("RE", n));

for (const backend of BACKENDS) {
  describe(`recordings (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
      await t.store.calls.create(newCall(A, 1));
      await t.store.calls.create(newCall(A, 2));
      await t.store.calls.create(newCall(B, 3));
    });
    afterEach(() => t.dispose());

    test("create, get and getAnyAccount round-trip every field", async () => {
      const input = newRecording(A, CALL_A1, 1, {
        conferenceId: id("CF", 1),
        sizeBytes: 5_000_000_044,
        durationMs: 312_500,
        privacyMode: true,
        deleteAt: 1_700_000_120_000,
      });
      const created = await t.store.recordings.create(input);
      assert.deepEqual(created, {
        ...input,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.equal(created.privacyMode, true);
      assert.deepEqual(await t.store.recordings.get(A, input.recordingId), created);
      assert.deepEqual(await t.store.recordings.getAnyAccount(input.recordingId), created);
      const plain = await t.store.recordings.create(newRecording(A, CALL_A1, 2));
      assert.equal(plain.privacyMode, false);
      assert.equal(plain.deleteAt, null);
    });

    test("a recording needs an existing call", async () => {
      await assert.rejects(t.store.recordings.create(newRecording(A, id("CA", 404), 1)), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
    });

    test("list filters by callId, conferenceId and creation range [from, to)", async () => {
      const day = t.clock.time;
      await t.store.recordings.create(newRecording(A, CALL_A1, 1));
      t.clock.advance(1000);
      await t.store.recordings.create(newRecording(A, CALL_A2, 2, { conferenceId: id("CF", 1) }));
      t.clock.advance(1000);
      await t.store.recordings.create(newRecording(A, CALL_A1, 3, { conferenceId: id("CF", 1) }));
      await t.store.recordings.create(newRecording(B, CALL_B, 4, { conferenceId: id("CF", 1) }));
      const ids = async (filter: Parameters<typeof t.store.recordings.list>[1]) => {
        const page = await t.store.recordings.list(A, filter);
        assert.equal(page.total, page.items.length);
        return page.items.map((r) => r.recordingId);
      };
      assert.deepEqual(await ids({}), RE(3, 2, 1));
      assert.deepEqual(await ids({ callId: CALL_A1 }), RE(3, 1));
      assert.deepEqual(await ids({ callId: CALL_B }), []);
      assert.deepEqual(await ids({ conferenceId: id("CF", 1) }), RE(3, 2));
      assert.deepEqual(await ids({ createdFrom: day + 1000 }), RE(3, 2));
      assert.deepEqual(await ids({ createdTo: day + 1000 }), RE(1));
      assert.deepEqual(await ids({ createdFrom: day + 1000, createdTo: day + 2000 }), RE(2));
      assert.deepEqual(await ids({ callId: CALL_A1, createdFrom: day + 1 }), RE(3));
    });

    test("list pages newest first with the filter's total", async () => {
      for (let n = 1; n <= 5; n++) await t.store.recordings.create(newRecording(A, CALL_A1, n));
      const page = await t.store.recordings.list(A, { callId: CALL_A1 }, { offset: 1, limit: 3 });
      assert.equal(page.total, 5);
      assert.deepEqual(
        page.items.map((r) => r.recordingId),
        RE(4, 3, 2),
      );
    });

    test("another account cannot get, list or delete it; getAnyAccount still finds it", async () => {
      const created = await t.store.recordings.create(newRecording(A, CALL_A1, 1));
      assert.equal(await t.store.recordings.get(B, created.recordingId), undefined);
      assert.deepEqual(await t.store.recordings.list(B), { items: [], total: 0 });
      assert.deepEqual(await t.store.recordings.list(B, { callId: CALL_A1 }), { items: [], total: 0 });
      assert.equal(await t.store.recordings.delete(B, created.recordingId), false);
      assert.deepEqual(await t.store.recordings.get(A, created.recordingId), created);
      assert.deepEqual(await t.store.recordings.getAnyAccount(created.recordingId), created);
    });

    test("delete removes the metadata once", async () => {
      const created = await t.store.recordings.create(newRecording(A, CALL_A1, 1));
      assert.equal(await t.store.recordings.delete(A, created.recordingId), true);
      assert.equal(await t.store.recordings.delete(A, created.recordingId), false);
      assert.equal(await t.store.recordings.get(A, created.recordingId), undefined);
      assert.equal(await t.store.recordings.getAnyAccount(created.recordingId), undefined);
    });

    test("listExpired: privacyMode rows with deleteAt <= now, any account, soonest first", async () => {
      const now = 1_900_000_000_000;
      await t.store.recordings.create(newRecording(A, CALL_A1, 1, { privacyMode: true, deleteAt: now }));
      await t.store.recordings.create(
        newRecording(B, CALL_B, 2, { privacyMode: true, deleteAt: now - 5000 }),
      );
      await t.store.recordings.create(newRecording(A, CALL_A2, 3, { privacyMode: true, deleteAt: now + 1 }));
      await t.store.recordings.create(newRecording(A, CALL_A2, 4, { privacyMode: true, deleteAt: null }));
      await t.store.recordings.create(
        newRecording(A, CALL_A2, 5, { privacyMode: false, deleteAt: now - 9000 }),
      );
      const expired = await t.store.recordings.listExpired(now);
      assert.deepEqual(
        expired.map((r) => r.recordingId),
        RE(2, 1),
      );
      assert.deepEqual(
        (await t.store.recordings.listExpired(now + 1)).map((r) => r.recordingId),
        RE(2, 1, 3),
      );
      assert.deepEqual(await t.store.recordings.listExpired(now - 5001), []);
    });
  });
}
