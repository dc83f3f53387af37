import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import {
  BACKENDS,
  id,
  newAccount,
  newConference,
  newParticipant,
  openTestStore,
  type TestStore,
} from "./helpers.js";

const A = newAccount(1).accountId;
const B = newAccount(2).accountId;
const DAY = 24 * 3600 * 1000;
const CF = (...ns: number[]) => ns.map((n) => id("CF", n));
const CA = (...ns: number[]) => ns.map((n) => id("CA", n));

for (const backend of BACKENDS) {
  describe(`conferences (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
    });
    afterEach(() => t.dispose());

    test("create and get round-trip every field; another account does not see it", async () => {
      const input = newConference(A, 1, {
        alias: "sales",
        playBeep: "entryOnly",
        record: true,
        status: "populated",
        waitUrl: "http://127.0.0.1:9/wait.wav",
        actionUrl: "http://127.0.0.1:9/created",
        callId: id("CA", 7),
      });
      const created = await t.store.conferences.create(input);
      assert.deepEqual(created, {
        ...input,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.conferences.get(A, input.conferenceId), created);
      assert.equal(await t.store.conferences.get(B, input.conferenceId), undefined);
    });

    test("an id is one conference; an unknown account cannot own one", async () => {
      await t.store.conferences.create(newConference(A, 1));
      await assert.rejects(t.store.conferences.create(newConference(B, 1)), (err) =>
        isBelayError(err, "STORE_CONFLICT"),
      );
      await assert.rejects(t.store.conferences.create(newConference(newAccount(9).accountId, 2)), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
    });

    test("list is one account's conferences, newest first, paged", async () => {
      for (const n of [1, 2, 3]) {
        await t.store.conferences.create(newConference(A, n));
        t.clock.advance(1000);
      }
      await t.store.conferences.create(newConference(B, 9));
      const all = await t.store.conferences.list(A);
      assert.equal(all.total, 3);
      assert.deepEqual(
        all.items.map((c) => c.conferenceId),
        CF(3, 2, 1),
      );
      const second = await t.store.conferences.list(A, {}, { offset: 1, limit: 1 });
      assert.deepEqual([second.total, second.items.map((c) => c.conferenceId)], [3, CF(2)]);
      // Created in the same millisecond: still newest first, by insertion order.
      await t.store.conferences.create(newConference(A, 4));
      await t.store.conferences.create(newConference(A, 5));
      assert.deepEqual(
        (await t.store.conferences.list(A, {}, { limit: 2 })).items.map((c) => c.conferenceId),
        CF(5, 4),
      );
    });

    test("filters: status, exact alias, creation day and update day, combined", async () => {
      const start = t.clock.time - (t.clock.time % DAY);
      t.clock.time = start + 1000;
      await t.store.conferences.create(newConference(A, 1, { alias: "sales" }));
      await t.store.conferences.create(newConference(A, 2, { alias: "Sales", status: "inProgress" }));
      t.clock.time = start + DAY;
      await t.store.conferences.create(newConference(A, 3, { alias: "sales", status: "inProgress" }));
      await t.store.conferences.update(A, id("CF", 1), { status: "terminated" });
      const ids = async (filter: Parameters<typeof t.store.conferences.list>[1]) =>
        (await t.store.conferences.list(A, filter)).items.map((c) => c.conferenceId);
      assert.deepEqual(await ids({ status: "inProgress" }), CF(3, 2));
      assert.deepEqual(await ids({ status: "terminated" }), CF(1));
      assert.deepEqual(await ids({ alias: "sales" }), CF(3, 1), "alias matches exactly, case included");
      assert.deepEqual(await ids({ createdFrom: start, createdTo: start + DAY }), CF(2, 1));
      assert.deepEqual(await ids({ createdFrom: start + DAY, createdTo: start + 2 * DAY }), CF(3));
      assert.deepEqual(await ids({ updatedFrom: start, updatedTo: start + DAY }), CF(2));
      assert.deepEqual(await ids({ updatedFrom: start + DAY, updatedTo: start + 2 * DAY }), CF(3, 1));
      assert.deepEqual(await ids({ alias: "sales", createdFrom: start, createdTo: start + DAY }), CF(1));
      assert.equal((await t.store.conferences.list(B, { alias: "sales" })).total, 0);
    });

    test("update changes only the fields given, bumps revision and dateUpdated", async () => {
      const created = await t.store.conferences.create(newConference(A, 1, { alias: "a", record: true }));
      t.clock.advance(5000);
      const renamed = await t.store.conferences.update(A, created.conferenceId, { alias: "b" });
      assert.deepEqual(renamed, { ...created, alias: "b", dateUpdated: t.clock.time, revision: 2 });
      t.clock.advance(5000);
      const ended = await t.store.conferences.update(A, created.conferenceId, {
        playBeep: "never",
        status: "terminated",
      });
      assert.deepEqual(ended, {
        ...renamed,
        playBeep: "never",
        status: "terminated",
        dateUpdated: t.clock.time,
        revision: 3,
      });
      assert.deepEqual(await t.store.conferences.get(A, created.conferenceId), ended);
      assert.equal(await t.store.conferences.update(B, created.conferenceId, { alias: "x" }), undefined);
      assert.equal(await t.store.conferences.update(A, id("CF", 99), { alias: "x" }), undefined);
      assert.equal((await t.store.conferences.get(A, created.conferenceId))?.alias, "b");
    });

    test("listUnterminated: every account's conferences not terminated, oldest first", async () => {
      await t.store.conferences.create(newConference(A, 1, { status: "inProgress" }));
      await t.store.conferences.create(newConference(B, 2, { status: "empty" }));
      await t.store.conferences.create(newConference(A, 3, { status: "populated" }));
      await t.store.conferences.create(newConference(A, 4));
      await t.store.conferences.update(A, id("CF", 4), { status: "terminated" });
      assert.deepEqual(
        (await t.store.conferences.listUnterminated()).map((c) => [c.accountId, c.conferenceId]),
        [
          [A, id("CF", 1)],
          [B, id("CF", 2)],
          [A, id("CF", 3)],
        ],
      );
    });
  });

  describe(`conference participants (${backend})`, () => {
    let t: TestStore;
    const conference = id("CF", 1);
    const other = id("CF", 2);
    beforeEach(async () => {
      t = await openTestStore(backend);
      await t.store.accounts.create(newAccount(1));
      await t.store.accounts.create(newAccount(2));
      await t.store.conferences.create(newConference(A, 1));
      await t.store.conferences.create(newConference(A, 2));
    });
    afterEach(() => t.dispose());

    test("create and get round-trip every field; only in its own conference and account", async () => {
      const input = newParticipant(A, conference, 1, {
        talk: false,
        listen: true,
        dtmfPassThrough: false,
        startConfOnEnter: false,
      });
      const created = await t.store.participants.create(input);
      assert.deepEqual(created, {
        ...input,
        dateCreated: t.clock.time,
        dateUpdated: t.clock.time,
        revision: 1,
      });
      assert.deepEqual(await t.store.participants.get(A, conference, input.callId), created);
      assert.equal(await t.store.participants.get(A, other, input.callId), undefined);
      assert.equal(await t.store.participants.get(B, conference, input.callId), undefined);
    });

    test("a call is in a conference once; the conference must exist", async () => {
      await t.store.participants.create(newParticipant(A, conference, 1));
      await assert.rejects(t.store.participants.create(newParticipant(A, conference, 1)), (err) =>
        isBelayError(err, "STORE_CONFLICT"),
      );
      await assert.rejects(t.store.participants.create(newParticipant(A, id("CF", 9), 2)), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
    });

    test("list: newest first, paged, filtered by talk, listen and dtmfPassThrough", async () => {
      await t.store.participants.create(newParticipant(A, conference, 1));
      t.clock.advance(1000);
      await t.store.participants.create(newParticipant(A, conference, 2, { talk: false }));
      t.clock.advance(1000);
      await t.store.participants.create(
        newParticipant(A, conference, 3, { listen: false, dtmfPassThrough: false }),
      );
      await t.store.participants.create(newParticipant(A, other, 4, { talk: false }));
      const ids = async (filter = {}, page = {}) =>
        (await t.store.participants.list(A, conference, filter, page)).items.map((p) => p.callId);
      assert.deepEqual(await ids(), CA(3, 2, 1));
      assert.deepEqual(await ids({ talk: false }), CA(2));
      assert.deepEqual(await ids({ talk: true }), CA(3, 1));
      assert.deepEqual(await ids({ listen: false }), CA(3));
      assert.deepEqual(await ids({ dtmfPassThrough: true }), CA(2, 1));
      assert.deepEqual(await ids({ talk: true, listen: true }), CA(1));
      const page = await t.store.participants.list(A, conference, {}, { offset: 1, limit: 1 });
      assert.deepEqual([page.total, page.items.map((p) => p.callId)], [3, CA(2)]);
      assert.equal((await t.store.participants.list(B, conference)).total, 0);
    });

    test("update changes only the flags given, bumps revision and dateUpdated", async () => {
      const created = await t.store.participants.create(newParticipant(A, conference, 1));
      t.clock.advance(2000);
      const muted = await t.store.participants.update(A, conference, created.callId, { talk: false });
      assert.deepEqual(muted, { ...created, talk: false, dateUpdated: t.clock.time, revision: 2 });
      t.clock.advance(2000);
      const deaf = await t.store.participants.update(A, conference, created.callId, {
        listen: false,
        dtmfPassThrough: false,
      });
      assert.deepEqual(deaf, {
        ...muted,
        listen: false,
        dtmfPassThrough: false,
        dateUpdated: t.clock.time,
        revision: 3,
      });
      assert.equal(await t.store.participants.update(A, other, created.callId, { talk: true }), undefined);
      assert.equal(
        await t.store.participants.update(B, conference, created.callId, { talk: true }),
        undefined,
      );
    });

    test("delete removes one participant once; deleteAll empties one conference only", async () => {
      for (const n of [1, 2, 3]) await t.store.participants.create(newParticipant(A, conference, n));
      await t.store.participants.create(newParticipant(A, other, 1));
      assert.equal(await t.store.participants.delete(B, conference, id("CA", 1)), false);
      assert.equal(await t.store.participants.delete(A, conference, id("CA", 1)), true);
      assert.equal(await t.store.participants.delete(A, conference, id("CA", 1)), false);
      assert.equal(await t.store.participants.get(A, conference, id("CA", 1)), undefined);
      assert.ok(await t.store.participants.get(A, other, id("CA", 1)), "the same call elsewhere stays");
      assert.equal(await t.store.participants.deleteAll(B, conference), 0);
      assert.equal(await t.store.participants.deleteAll(A, conference), 2);
      assert.equal((await t.store.participants.list(A, conference)).total, 0);
      assert.equal((await t.store.participants.list(A, other)).total, 1);
      assert.equal(await t.store.participants.deleteAll(A, conference), 0);
    });
  });
}
