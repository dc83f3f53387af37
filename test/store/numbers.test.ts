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
const APP_A = id("AP", 1);
const APP_B = id("AP", 2);

for (const backend of BACKENDS) {
  describe(`incoming phone numbers (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
      await t.store.applications.create(newApplication(A, 1));
      await t.store.applications.create(newApplication(B, 2));
    });
    afterEach(() => t.dispose());

    test("create, get and findByNumber", async () => {
      const input = newNumber(A, 1, { alias: "main line", applicationId: APP_A });
      const created = await t.store.numbers.create(input);
      assert.deepEqual(created, {
        ...input,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.numbers.get(A, input.phoneNumberId), created);
      assert.deepEqual(await t.store.numbers.findByNumber(input.phoneNumber), created);
      assert.equal(await t.store.numbers.findByNumber("+15559999999"), undefined);
    });

    test("a phone number belongs to one account only", async () => {
      await t.store.numbers.create(newNumber(A, 1));
      await assert.rejects(
        t.store.numbers.create(newNumber(B, 2, { phoneNumber: newNumber(A, 1).phoneNumber })),
        (err) => isBelayError(err, "STORE_CONFLICT"),
      );
      assert.equal((await t.store.numbers.findByNumber(newNumber(A, 1).phoneNumber))?.accountId, A);
    });

    test("a number cannot route to another account's application", async () => {
      await assert.rejects(t.store.numbers.create(newNumber(A, 1, { applicationId: APP_B })), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
      const mine = await t.store.numbers.create(newNumber(A, 2));
      await assert.rejects(t.store.numbers.update(A, mine.phoneNumberId, { applicationId: APP_B }), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
      await assert.rejects(
        t.store.numbers.update(A, mine.phoneNumberId, { applicationId: id("AP", 77) }),
        (err) => isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
      assert.deepEqual(await t.store.numbers.get(A, mine.phoneNumberId), mine);
    });

    test("list filters: phoneNumber, alias, applicationId, hasApplication", async () => {
      await t.store.applications.create(newApplication(A, 3));
      await t.store.numbers.create(newNumber(A, 1, { alias: "sales", applicationId: APP_A }));
      await t.store.numbers.create(newNumber(A, 2, { alias: "support", applicationId: id("AP", 3) }));
      await t.store.numbers.create(newNumber(A, 3, { alias: "sales" }));
      await t.store.numbers.create(newNumber(A, 4));
      await t.store.numbers.create(newNumber(B, 5, { alias: "sales", applicationId: APP_B }));
      const ids = async (filter: Parameters<typeof t.store.numbers.list>[1]) => {
        const page = await t.store.numbers.list(A, filter);
        assert.equal(page.total, page.items.length);
        return page.items.map((n) => n.phoneNumberId);
      };
      const PN = (...ns: number[]) => ns.map((n) => id("PN", n));
      assert.deepEqual(await ids({}), PN(4, 3, 2, 1));
      assert.deepEqual(await ids({ phoneNumber: newNumber(A, 2).phoneNumber }), PN(2));
      assert.deepEqual(await ids({ phoneNumber: newNumber(B, 5).phoneNumber }), []);
      assert.deepEqual(await ids({ alias: "sales" }), PN(3, 1));
      assert.deepEqual(await ids({ applicationId: APP_A }), PN(1));
      assert.deepEqual(await ids({ hasApplication: true }), PN(2, 1));
      assert.deepEqual(await ids({ hasApplication: false }), PN(4, 3));
      assert.deepEqual(await ids({ alias: "sales", hasApplication: false }), PN(3));
    });

    test("list orders newest first and pages with a total", async () => {
      for (let n = 1; n <= 4; n++) {
        await t.store.numbers.create(newNumber(A, n));
        if (n === 2) t.clock.advance(5);
      }
      const page = await t.store.numbers.list(A, {}, { offset: 2, limit: 5 });
      assert.equal(page.total, 4);
      assert.deepEqual(
        page.items.map((n) => n.phoneNumberId),
        [2, 1].map((n) => id("PN", n)),
      );
    });

    test("update sets application and alias, bumps revision", async () => {
      const created = await t.store.numbers.create(newNumber(A, 1));
      t.clock.advance(10);
      const routed = await t.store.numbers.update(A, created.phoneNumberId, {
        applicationId: APP_A,
        alias: "x",
      });
      assert.deepEqual(routed, {
        ...created,
        applicationId: APP_A,
        alias: "x",
        dateUpdated: created.dateCreated + 10,
        revision: 2,
      });
      const unrouted = await t.store.numbers.update(A, created.phoneNumberId, { applicationId: null });
      assert.equal(unrouted?.applicationId, null);
      assert.equal(unrouted?.alias, "x");
      assert.equal(unrouted?.revision, 3);
    });

    test("update of a missing number returns undefined, even with a bad application", async () => {
      assert.equal(await t.store.numbers.update(A, id("PN", 9), { alias: "x" }), undefined);
      assert.equal(await t.store.numbers.update(A, id("PN", 9), { applicationId: APP_B }), undefined);
    });

    test("another account cannot get, list, update or delete it", async () => {
      const created = await t.store.numbers.create(newNumber(A, 1, { alias: "mine" }));
      assert.equal(await t.store.numbers.get(B, created.phoneNumberId), undefined);
      assert.deepEqual(await t.store.numbers.list(B), { items: [], total: 0 });
      assert.deepEqual(await t.store.numbers.list(B, { phoneNumber: created.phoneNumber }), {
        items: [],
        total: 0,
      });
      assert.equal(await t.store.numbers.update(B, created.phoneNumberId, { alias: "stolen" }), undefined);
      assert.equal(
        await t.store.numbers.update(B, created.phoneNumberId, { applicationId: APP_B }),
        undefined,
      );
      assert.equal(await t.store.numbers.delete(B, created.phoneNumberId), false);
      assert.deepEqual(await t.store.numbers.get(A, created.phoneNumberId), created);
    });

    test("update may not move a number to another account", async () => {
      const created = await t.store.numbers.create(newNumber(A, 1));
      await assert.rejects(t.store.numbers.update(A, created.phoneNumberId, { accountId: B }), (err) =>
        isBelayError(err, "STORE_FIELD_IMMUTABLE"),
      );
    });

    test("delete releases the number, which can then be added again", async () => {
      const created = await t.store.numbers.create(newNumber(A, 1));
      assert.equal(await t.store.numbers.delete(A, created.phoneNumberId), true);
      assert.equal(await t.store.numbers.delete(A, created.phoneNumberId), false);
      assert.equal(await t.store.numbers.findByNumber(created.phoneNumber), undefined);
      const readded = await t.store.numbers.create(newNumber(B, 2, { phoneNumber: created.phoneNumber }));
      assert.equal(
        (await t.store.numbers.findByNumber(created.phoneNumber))?.phoneNumberId,
        readded.phoneNumberId,
      );
    });
  });
}
