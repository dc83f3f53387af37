import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import {
  BACKENDS,
  id,
  newAccount,
  newApplication,
  newNumber,
  openTestStore,
  type TestStore,
} from "./helpers.js";

const A = newAccount(1).accountId;
const B = newAccount(2).accountId;

for (const backend of BACKENDS) {
  describe(`applications (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
    });
    afterEach(() => t.dispose());

    test("create and get round-trip every field", async () => {
      const input = newApplication(A, 1, {
        alias: "ivr",
        voiceFallbackUrl: "http://127.0.0.1:9/fb",
        callConnectUrl: "http://127.0.0.1:9/cc",
        statusCallbackUrl: "http://127.0.0.1:9/st",
        smsUrl: "http://127.0.0.1:9/sms",
        smsFallbackUrl: "http://127.0.0.1:9/smsfb",
      });
      const created = await t.store.applications.create(input);
      assert.deepEqual(created, {
        ...input,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.applications.get(A, input.applicationId), created);
    });

    test("an application needs an existing account", async () => {
      await assert.rejects(t.store.applications.create(newApplication(newAccount(99).accountId, 1)), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
    });

    test("a duplicate application id is STORE_CONFLICT", async () => {
      await t.store.applications.create(newApplication(A, 1));
      await assert.rejects(t.store.applications.create(newApplication(B, 1)), (err) =>
        isBelayError(err, "STORE_CONFLICT"),
      );
    });

    test("list: newest first, same-millisecond ties by insertion order, paging keeps the total", async () => {
      for (let n = 1; n <= 5; n++) {
        await t.store.applications.create(newApplication(A, n));
        if (n % 2 === 1) t.clock.advance(1); // apps 2 and 3, 4 and 5 share a millisecond
      }
      await t.store.applications.create(newApplication(B, 6));
      const all = await t.store.applications.list(A);
      assert.equal(all.total, 5);
      assert.deepEqual(
        all.items.map((a) => a.applicationId),
        [5, 4, 3, 2, 1].map((n) => id("AP", n)),
      );
      const page = await t.store.applications.list(A, {}, { offset: 1, limit: 2 });
      assert.equal(page.total, 5);
      assert.deepEqual(
        page.items.map((a) => a.applicationId),
        [4, 3].map((n) => id("AP", n)),
      );
      const past = await t.store.applications.list(A, {}, { offset: 10, limit: 2 });
      assert.deepEqual(past, { items: [], total: 5 });
      const none = await t.store.applications.list(A, {}, { limit: 0 });
      assert.deepEqual(none, { items: [], total: 5 });
    });

    test("list defaults to 100 items", async () => {
      for (let n = 1; n <= 105; n++) await t.store.applications.create(newApplication(A, n));
      const page = await t.store.applications.list(A);
      assert.equal(page.total, 105);
      assert.equal(page.items.length, 100);
      assert.equal(page.items[0]?.applicationId, id("AP", 105));
    });

    test("invalid paging is STORE_PAGE_INVALID", async () => {
      await assert.rejects(t.store.applications.list(A, {}, { offset: -1 }), (err) =>
        isBelayError(err, "STORE_PAGE_INVALID"),
      );
      await assert.rejects(t.store.applications.list(A, {}, { limit: 1.5 }), (err) =>
        isBelayError(err, "STORE_PAGE_INVALID"),
      );
    });

    test("list filters by alias", async () => {
      await t.store.applications.create(newApplication(A, 1, { alias: "ivr" }));
      await t.store.applications.create(newApplication(A, 2, { alias: "voicemail" }));
      await t.store.applications.create(newApplication(A, 3, { alias: "ivr" }));
      await t.store.applications.create(newApplication(B, 4, { alias: "ivr" }));
      const page = await t.store.applications.list(A, { alias: "ivr" });
      assert.equal(page.total, 2);
      assert.deepEqual(
        page.items.map((a) => a.applicationId),
        [3, 1].map((n) => id("AP", n)),
      );
    });

    test("update patches given fields, bumps revision by one and sets dateUpdated", async () => {
      const created = await t.store.applications.create(newApplication(A, 1, { alias: "old" }));
      t.clock.advance(1234);
      const updated = await t.store.applications.update(A, created.applicationId, {
        alias: "new",
        voiceFallbackUrl: "http://127.0.0.1:9/fb",
      });
      assert.deepEqual(updated, {
        ...created,
        alias: "new",
        voiceFallbackUrl: "http://127.0.0.1:9/fb",
        dateUpdated: created.dateCreated + 1234,
        revision: 2,
      });
      const cleared = await t.store.applications.update(A, created.applicationId, { alias: null });
      assert.equal(cleared?.alias, null);
      assert.equal(cleared?.voiceFallbackUrl, "http://127.0.0.1:9/fb");
      assert.equal(cleared?.revision, 3);
      assert.deepEqual(await t.store.applications.get(A, created.applicationId), cleared);
    });

    test("update may repeat but not change the id or the account", async () => {
      const created = await t.store.applications.create(newApplication(A, 1));
      const same = await t.store.applications.update(A, created.applicationId, {
        applicationId: created.applicationId,
        accountId: A,
        alias: "x",
      });
      assert.equal(same?.alias, "x");
      await assert.rejects(t.store.applications.update(A, created.applicationId, { accountId: B }), (err) =>
        isBelayError(err, "STORE_FIELD_IMMUTABLE"),
      );
      await assert.rejects(
        t.store.applications.update(A, created.applicationId, { applicationId: id("AP", 2) }),
        (err) => isBelayError(err, "STORE_FIELD_IMMUTABLE"),
      );
      assert.equal((await t.store.applications.get(A, created.applicationId))?.revision, 2);
    });

    test("another account cannot get, list, update or delete it", async () => {
      const created = await t.store.applications.create(newApplication(A, 1, { alias: "mine" }));
      assert.equal(await t.store.applications.get(B, created.applicationId), undefined);
      assert.deepEqual(await t.store.applications.list(B), { items: [], total: 0 });
      assert.deepEqual(await t.store.applications.list(B, { alias: "mine" }), { items: [], total: 0 });
      assert.equal(
        await t.store.applications.update(B, created.applicationId, { alias: "stolen" }),
        undefined,
      );
      assert.equal(await t.store.applications.delete(B, created.applicationId), false);
      assert.deepEqual(await t.store.applications.get(A, created.applicationId), created);
    });

    test("delete removes it once; numbers routed to it are left without an application", async () => {
      const app = await t.store.applications.create(newApplication(A, 1));
      const other = await t.store.applications.create(newApplication(A, 2));
      const routed = await t.store.numbers.create(newNumber(A, 1, { applicationId: app.applicationId }));
      const elsewhere = await t.store.numbers.create(newNumber(A, 2, { applicationId: other.applicationId }));
      t.clock.advance(50);
      assert.equal(await t.store.applications.delete(A, app.applicationId), true);
      assert.equal(await t.store.applications.get(A, app.applicationId), undefined);
      assert.equal(await t.store.applications.delete(A, app.applicationId), false);
      assert.deepEqual(await t.store.numbers.get(A, routed.phoneNumberId), {
        ...routed,
        applicationId: null,
        dateUpdated: routed.dateCreated + 50,
        revision: 2,
      });
      assert.deepEqual(await t.store.numbers.get(A, elsewhere.phoneNumberId), elsewhere);
    });
  });
}
