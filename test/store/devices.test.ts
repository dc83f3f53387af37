import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import type { DeviceRow } from "../../src/store/types.js";
import { BACKENDS, newAccount, openTestStore, type TestStore } from "./helpers.js";

const A = newAccount(1).accountId;
const B = newAccount(2).accountId;

function device(accountId: string, phoneNumber: string, extra: Partial<DeviceRow> = {}) {
  return {
    accountId,
    phoneNumber,
    mode: "answer" as const,
    answerAfterMs: 1000,
    audioBlobKey: null,
    audioSamples: 0,
    audioAtMs: 0,
    dtmf: [],
    hangupAtMs: null,
    ...extra,
  };
}

for (const backend of BACKENDS) {
  describe(`devices (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
    });
    afterEach(() => t.dispose());

    test("create and get keep every field, dtmf included", async () => {
      const input = device(A, "+15550003333", {
        mode: "busy",
        answerAfterMs: 2500,
        audioBlobKey: "devices/x/y.pcm",
        audioSamples: 16000,
        audioAtMs: 250,
        dtmf: [
          { keys: "12#", atMs: 1000 },
          { keys: "*", atMs: 4000 },
        ],
        hangupAtMs: 9000,
      });
      const created = await t.store.devices.create(input);
      assert.deepEqual(created, {
        ...input,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.devices.get(A, "+15550003333"), created);
      assert.equal(
        await t.store.devices.get(B, "+15550003333"),
        undefined,
        "another account's device is not seen",
      );
    });

    test("a number is a device once per account; another account may use it too", async () => {
      await t.store.devices.create(device(A, "+15550003333"));
      await assert.rejects(t.store.devices.create(device(A, "+15550003333")), (err) =>
        isBelayError(err, "STORE_CONFLICT"),
      );
      const other = await t.store.devices.create(device(B, "+15550003333", { mode: "noAnswer" }));
      assert.equal(other.mode, "noAnswer");
      assert.equal((await t.store.devices.get(A, "+15550003333"))?.mode, "answer");
    });

    test("an unknown account cannot own a device", async () => {
      await assert.rejects(t.store.devices.create(device(newAccount(9).accountId, "+15550003333")), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
    });

    test("list is one account's devices, newest first, paged", async () => {
      for (const n of [1, 2, 3]) {
        await t.store.devices.create(device(A, `+1555000000${n}`));
        t.clock.advance(1000);
      }
      await t.store.devices.create(device(B, "+15550000009"));
      const all = await t.store.devices.list(A);
      assert.equal(all.total, 3);
      assert.deepEqual(
        all.items.map((d) => d.phoneNumber),
        ["+15550000003", "+15550000002", "+15550000001"],
      );
      const second = await t.store.devices.list(A, { offset: 1, limit: 1 });
      assert.deepEqual([second.total, second.items.map((d) => d.phoneNumber)], [3, ["+15550000002"]]);
    });

    test("delete removes only that account's device, once", async () => {
      await t.store.devices.create(device(A, "+15550003333"));
      await t.store.devices.create(device(B, "+15550003333"));
      assert.equal(await t.store.devices.delete(A, "+15550003333"), true);
      assert.equal(await t.store.devices.delete(A, "+15550003333"), false);
      assert.equal(await t.store.devices.get(A, "+15550003333"), undefined);
      assert.ok(await t.store.devices.get(B, "+15550003333"));
    });
  });
}
