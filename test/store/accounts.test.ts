import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { BACKENDS, newAccount, openTestStore, type TestStore } from "./helpers.js";

for (const backend of BACKENDS) {
  describe(`accounts (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
    });
    afterEach(() => t.dispose());

    test("create stamps dates and revision 1; get reads it back", async () => {
      const created = await t.store.accounts.create(newAccount(1, { alias: "main" }));
      assert.deepEqual(created, {
        ...newAccount(1, { alias: "main" }),
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.accounts.get(created.accountId), created);
      assert.equal(await t.store.accounts.get(newAccount(2).accountId), undefined);
    });

    test("a duplicate account id is STORE_CONFLICT", async () => {
      await t.store.accounts.create(newAccount(1));
      await assert.rejects(t.store.accounts.create(newAccount(1)), (err) =>
        isBelayError(err, "STORE_CONFLICT"),
      );
    });

    test("list is newest first, ties broken by insertion order", async () => {
      await t.store.accounts.create(newAccount(1));
      t.clock.advance(10);
      await t.store.accounts.create(newAccount(2));
      await t.store.accounts.create(newAccount(3)); // same millisecond as 2
      const ids = (await t.store.accounts.list()).map((a) => a.accountId);
      assert.deepEqual(ids, [newAccount(3).accountId, newAccount(2).accountId, newAccount(1).accountId]);
    });

    test("label: null at creation, set and cleared by update, alone", async () => {
      const created = await t.store.accounts.create(newAccount(1, { alias: "main" }));
      assert.equal(created.label, null);
      const labelled = await t.store.accounts.update(created.accountId, { label: "support" });
      assert.deepEqual([labelled?.label, labelled?.alias, labelled?.revision], ["support", "main", 2]);
      assert.equal((await t.store.accounts.get(created.accountId))?.label, "support");
      const cleared = await t.store.accounts.update(created.accountId, { label: null });
      assert.deepEqual([cleared?.label, cleared?.alias], [null, "main"]);
    });

    test("update changes only credentials and alias, bumps revision and dateUpdated", async () => {
      const created = await t.store.accounts.create(newAccount(1));
      t.clock.advance(500);
      const updated = await t.store.accounts.update(created.accountId, {
        apiKey: "rotated",
        alias: "renamed",
      });
      assert.deepEqual(updated, {
        ...created,
        apiKey: "rotated",
        alias: "renamed",
        dateUpdated: created.dateCreated + 500,
        revision: 2,
      });
      const again = await t.store.accounts.update(created.accountId, { signingSecret: "new-secret" });
      assert.equal(again?.revision, 3);
      assert.equal(again?.apiKey, "rotated");
      assert.equal(again?.signingSecret, "new-secret");
      assert.deepEqual(await t.store.accounts.get(created.accountId), again);
    });

    test("update of a missing account returns undefined", async () => {
      assert.equal(await t.store.accounts.update(newAccount(9).accountId, { alias: "x" }), undefined);
    });
  });
}
