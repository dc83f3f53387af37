import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { BACKENDS, id, newAccount, newCall, newRecording, openTestStore, type TestStore } from "./helpers.js";

/** `liveAt` leaves out privacyMode recordings already due for deletion, before any sweep. */

const A = newAccount(1).accountId;
const CALL = id("CA", 1);

for (const backend of BACKENDS) {
  describe(`recordings liveAt (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.calls.create(newCall(A, 1));
      await t.store.recordings.create(newRecording(A, CALL, 1));
      await t.store.recordings.create(newRecording(A, CALL, 2, { privacyMode: true, deleteAt: 5000 }));
      await t.store.recordings.create(newRecording(A, CALL, 3, { privacyMode: true, deleteAt: 9000 }));
    });
    afterEach(() => t.dispose());

    const ids = async (liveAt: number, callId?: string) => {
      const page = await t.store.recordings.list(A, { liveAt, ...(callId ? { callId } : {}) });
      return { ids: page.items.map((r) => r.recordingId).sort(), total: page.total };
    };

    test("a recording is live until its deleteAt, exactly, and kept ones always", async () => {
      const all = [id("RE", 1), id("RE", 2), id("RE", 3)].sort();
      assert.deepEqual(await ids(4999), { ids: all, total: 3 });
      assert.deepEqual(await ids(5000), { ids: [id("RE", 1), id("RE", 3)].sort(), total: 2 });
      assert.deepEqual(await ids(8999, CALL), { ids: [id("RE", 1), id("RE", 3)].sort(), total: 2 });
      assert.deepEqual(await ids(9000), { ids: [id("RE", 1)], total: 1 });
      // Without liveAt the store lists what it holds, due or not (the sweeper's view).
      assert.equal((await t.store.recordings.list(A)).total, 3);
    });
  });
}
