import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import type { CallFilter, CallStatus } from "../../src/store/types.js";
import { BACKENDS, id, newAccount, newCall, openTestStore, type TestStore } from "./helpers.js";

const A = newAccount(1).accountId;
const B = newAccount(2).accountId;
const CA = (...ns: number[]) => ns.map((n) => id("CA", n));

for (const backend of BACKENDS) {
  describe(`calls (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
    });
    afterEach(() => t.dispose());

    test("create and get round-trip every field", async () => {
      const input = newCall(A, 1, {
        parentCallId: id("CA", 99),
        applicationId: id("AP", 1),
        phoneNumberId: id("PN", 1),
        from: "sip:alice@127.0.0.1",
        to: "+15550001111",
        direction: "outboundDial",
        status: "completed",
        callEndedReason: "farEndHangup",
        startTime: 1_700_000_000_100,
        connectTime: 1_700_000_000_200,
        endTime: 1_700_000_009_999,
      });
      const created = await t.store.calls.create(input);
      assert.deepEqual(created, {
        ...input,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.calls.get(A, input.callId), created);
    });

    test("update walks the state machine, one revision per update", async () => {
      const created = await t.store.calls.create(newCall(A, 1));
      const steps: Array<[CallStatus, Partial<Parameters<typeof t.store.calls.update>[2]>]> = [
        ["ringing", {}],
        ["inProgress", { startTime: created.dateCreated + 15, connectTime: created.dateCreated + 18 }],
        ["completed", { endTime: created.dateCreated + 25, callEndedReason: "farEndHangup" }],
      ];
      let revision = 1;
      for (const [status, extra] of steps) {
        const at = t.clock.advance(10);
        const updated = await t.store.calls.update(A, created.callId, { status, ...extra });
        revision += 1;
        assert.equal(updated?.status, status);
        assert.equal(updated?.revision, revision);
        assert.equal(updated?.dateUpdated, at);
        assert.equal(updated?.dateCreated, created.dateCreated);
      }
      const final = await t.store.calls.get(A, created.callId);
      assert.equal(final?.revision, 4);
      assert.equal(final?.callEndedReason, "farEndHangup");
      assert.equal(final?.startTime, created.dateCreated + 15);
      assert.equal(final?.connectTime, created.dateCreated + 18);
      assert.equal(final?.endTime, created.dateCreated + 25);
    });

    test("update cannot change callId or accountId", async () => {
      const created = await t.store.calls.create(newCall(A, 1));
      await assert.rejects(t.store.calls.update(A, created.callId, { accountId: B }), (err) =>
        isBelayError(err, "STORE_FIELD_IMMUTABLE"),
      );
      await assert.rejects(t.store.calls.update(A, created.callId, { callId: id("CA", 2) }), (err) =>
        isBelayError(err, "STORE_FIELD_IMMUTABLE"),
      );
    });

    test("another account cannot get, list or update it", async () => {
      const created = await t.store.calls.create(newCall(A, 1));
      assert.equal(await t.store.calls.get(B, created.callId), undefined);
      assert.deepEqual(await t.store.calls.list(B), { items: [], total: 0 });
      assert.equal(await t.store.calls.update(B, created.callId, { status: "completed" }), undefined);
      assert.deepEqual(await t.store.calls.get(A, created.callId), created);
    });

    test("list: newest first, ties by insertion order, paging with totals", async () => {
      for (let n = 1; n <= 6; n++) {
        await t.store.calls.create(newCall(A, n));
        if (n % 3 === 0) t.clock.advance(1000);
      }
      const first = await t.store.calls.list(A, {}, { limit: 4 });
      assert.equal(first.total, 6);
      assert.deepEqual(
        first.items.map((c) => c.callId),
        CA(6, 5, 4, 3),
      );
      const second = await t.store.calls.list(A, {}, { offset: 4, limit: 4 });
      assert.equal(second.total, 6);
      assert.deepEqual(
        second.items.map((c) => c.callId),
        CA(2, 1),
      );
    });

    describe("filters", () => {
      const base = 1_800_000_000_000;
      beforeEach(async () => {
        // n: status, to, from, start, end, parent, application
        const rows: Array<
          [number, CallStatus, string, string, number | null, number | null, number | null, number | null]
        > = [
          [1, "queued", "+1000", "+2000", null, null, null, 1],
          [2, "ringing", "+1000", "+2001", base, null, null, 1],
          [3, "inProgress", "+1001", "+2000", base + 1000, null, 2, 2],
          [4, "completed", "+1001", "+2001", base + 2000, base + 5000, 2, null],
          [5, "failed", "+1000", "+2000", null, base + 6000, null, 2],
          [6, "noAnswer", "+1002", "+2002", base + 3000, base + 7000, null, null],
        ];
        for (const [n, status, to, from, start, end, parent, app] of rows) {
          await t.store.calls.create(
            newCall(A, n, {
              status,
              to,
              from,
              startTime: start,
              endTime: end,
              parentCallId: parent === null ? null : id("CA", parent),
              applicationId: app === null ? null : id("AP", app),
            }),
          );
          t.clock.advance(1);
        }
        // Same values in account B never leak in.
        await t.store.calls.create(newCall(B, 50, { status: "queued", to: "+1000", startTime: base }));
      });

      const cases: Array<[string, CallFilter, number[]]> = [
        ["none", {}, [6, 5, 4, 3, 2, 1]],
        ["active", { active: true }, [3, 2, 1]],
        ["active false does not filter", { active: false }, [6, 5, 4, 3, 2, 1]],
        ["to", { to: "+1000" }, [5, 2, 1]],
        ["from", { from: "+2001" }, [4, 2]],
        ["status", { status: "completed" }, [4]],
        ["startTimeFrom inclusive", { startTimeFrom: base + 1000 }, [6, 4, 3]],
        ["startTimeTo exclusive", { startTimeTo: base + 1000 }, [2]],
        ["start range", { startTimeFrom: base + 1000, startTimeTo: base + 3000 }, [4, 3]],
        ["endTimeFrom inclusive", { endTimeFrom: base + 6000 }, [6, 5]],
        ["endTimeTo exclusive", { endTimeTo: base + 7000 }, [5, 4]],
        ["parentCallId", { parentCallId: id("CA", 2) }, [4, 3]],
        ["applicationId", { applicationId: id("AP", 2) }, [5, 3]],
        ["combined", { active: true, to: "+1000", applicationId: id("AP", 1) }, [2, 1]],
        ["nothing matches", { status: "busy" }, []],
      ];
      for (const [name, filter, expected] of cases) {
        test(name, async () => {
          const page = await t.store.calls.list(A, filter);
          assert.deepEqual(
            page.items.map((c) => c.callId),
            CA(...expected),
          );
          assert.equal(page.total, expected.length);
        });
      }

      test("total counts the whole filter, not the page", async () => {
        const page = await t.store.calls.list(A, { to: "+1000" }, { offset: 1, limit: 1 });
        assert.equal(page.total, 3);
        assert.deepEqual(
          page.items.map((c) => c.callId),
          CA(2),
        );
      });
    });
  });
}
