import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { buildApi } from "../../src/api/app.js";
import { newId } from "../../src/contract/ids.js";
import { parseRfc1123 } from "../../src/contract/rest.js";
import type { AccountRow } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { basicAuth, createAccount, startBelay, type TestBelay } from "../e2e/harness.js";
import { HeldClock } from "../helpers/held-clock.js";
import { until } from "../helpers/until.js";
import { assertApiError } from "./helpers.js";
import {
  enqueue,
  howLeft,
  idsOf,
  type Member,
  type Method,
  type Queue,
  type SendOptions,
  send as sendOn,
  valid,
} from "./queue-helpers.js";

/**
 * The Queues and Members REST API, shaped as FreeClimb's OpenAPI has it, on Belay's own API with
 * its live queue engine. Callers join through the engine's queue registry (as Enqueue does) on a
 * simulated clock that stands still (HeldClock) except where a test lets it run, so wait times
 * and positions are exact. Every test uses its own account, so lists see only its queues.
 */

const START = Date.UTC(2026, 2, 2, 9, 0, 0);
/** How long a test waits (real time) for a removal the store is counting. */
const STORE_WAIT_MS = 5000;

let harness: TestBelay;
let held: HeldClock;

before(async () => {
  held = new HeldClock(new SimulatedClock(START));
  harness = await startBelay({ clock: held.clock, listen: false });
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
});

afterEach(() => {
  // Nobody a test enqueued outlives it: the next test's queues start empty.
  const { queues } = harness.belay.engine;
  for (const account of made) {
    for (const queueId of queuesOf.get(account.accountId) ?? [])
      while (queues.dequeue(account.accountId, queueId)) {}
  }
});

after(async () => {
  held?.letGo();
  await harness?.stop();
});

const made: AccountRow[] = [];
const queuesOf = new Map<string, string[]>();
const newAccount = async () => {
  const account = await createAccount(harness.belay, `queues-${made.length + 1}`);
  made.push(account);
  return account;
};

const send = (account: AccountRow, method: Method, path: string, options?: SendOptions) =>
  sendOn(harness.belay, account, method, path, options);

async function createQueue(account: AccountRow, body?: Record<string, unknown>): Promise<Queue> {
  const created = valid<Queue>(await send(account, "POST", "/Queues", { body }), 200, "QueueResult");
  queuesOf.set(account.accountId, [...(queuesOf.get(account.accountId) ?? []), created.queueId]);
  return created;
}
const getQueue = async (account: AccountRow, queueId: string) =>
  valid<Queue>(await send(account, "GET", `/Queues/${queueId}`), 200, "QueueResult");
const members = async (account: AccountRow, queueId: string, query = "") =>
  valid<Record<string, unknown>>(
    await send(account, "GET", `/Queues/${queueId}/Members${query}`),
    200,
    "QueueMemberList",
  );
const join = (account: AccountRow, queueId: string) => enqueue(harness.belay, account, queueId, held.clock);
/** [callId, position, waitTime] of each member, front first. */
const lineUp = async (account: AccountRow, queueId: string) =>
  ((await members(account, queueId)).queueMembers as Member[]).map((m) => [m.callId, m.position, m.waitTime]);

describe("queues", () => {
  test("POST /Queues creates a queue: 200, FreeClimb's QueueResult, defaults", async () => {
    const account = await newAccount();
    const created = await createQueue(account, { alias: "support", maxSize: 25 });
    const path = `/Accounts/${account.accountId}/Queues/${created.queueId}`;
    assert.match(created.queueId, /^QU[0-9a-f]{40}$/);
    assert.equal(created.uri, path);
    assert.deepEqual(created.subresourceUris, { members: `${path}/Members` });
    assert.deepEqual(
      [
        created.accountId,
        created.alias,
        created.maxSize,
        created.currentSize,
        created.averageQueueRemovalTime,
      ],
      [account.accountId, "support", 25, 0, 0],
    );
    assert.equal(created.revision, 1);
    assert.equal(parseRfc1123(created.dateCreated), Math.floor(held.now() / 1000) * 1000);
    assert.equal(created.dateUpdated, created.dateCreated);
    assert.deepEqual(await getQueue(account, created.queueId), created);

    // No body, an empty body, or nulls: FreeClimb's defaults.
    for (const body of [undefined, {}, { alias: null, maxSize: null }]) {
      const plain = await createQueue(account, body);
      assert.deepEqual([plain.alias, plain.maxSize], [null, 100], JSON.stringify(body));
    }
    const edges = [await createQueue(account, { maxSize: 1 }), await createQueue(account, { maxSize: 1000 })];
    assert.deepEqual(
      edges.map((q) => q.maxSize),
      [1, 1000],
    );
    assert.equal((await createQueue(account, { alias: "x".repeat(64) })).alias?.length, 64);
  });

  test("POST /Queues: a bad body is 400 naming the field, and nothing is created", async () => {
    const account = await newAccount();
    const cases: Array<[unknown, string]> = [
      [{ alias: "x".repeat(65) }, "alias"],
      [{ alias: 7 }, "alias"],
      [{ maxSize: 0 }, "maxSize"],
      [{ maxSize: 1001 }, "maxSize"],
      [{ maxSize: -5 }, "maxSize"],
      [{ maxSize: 2.5 }, "maxSize"],
      [{ maxSize: "10" }, "maxSize"],
    ];
    for (const [body, field] of cases) {
      const error = assertApiError(await send(account, "POST", "/Queues", { body }), 400, { code: 20 });
      assert.equal(error.details.field, field, JSON.stringify(body));
      assert.match(error.message, new RegExp(`"${field}"`));
    }
    const fraction = await send(account, "POST", "/Queues", { body: { maxSize: 2.5 } });
    assertApiError(fraction, 400, { messageMatches: /^"maxSize" must be a whole number$/ });
    const tooBig = await send(account, "POST", "/Queues", { body: { maxSize: 1001 } });
    assertApiError(tooBig, 400, { messageMatches: /^"maxSize" must be from 1 to 1000$/ });
    assertApiError(await send(account, "POST", "/Queues", { body: [1] }), 400, { code: 20 });
    const list = valid(await send(account, "GET", "/Queues"), 200, "QueueList");
    assert.equal(list.total, 0);
  });

  test("GET /Queues/{id}: 404 (code 75) when unknown or another account's; 400 for a malformed id", async () => {
    const [account, other] = [await newAccount(), await newAccount()];
    const mine = await createQueue(account);
    assertApiError(await send(other, "GET", `/Queues/${mine.queueId}`), 404, {
      code: 75,
      messageMatches: new RegExp(`queue ${mine.queueId} not found`),
    });
    assertApiError(await send(account, "GET", `/Queues/${newId("QU")}`), 404, { code: 75 });
    for (const bad of ["QU123", newId("CF"), mine.queueId.toUpperCase(), `${mine.queueId}0`]) {
      const error = assertApiError(await send(account, "GET", `/Queues/${bad}`), 400, { code: 20 });
      assert.equal(error.details.field, "queueId");
    }
  });

  test("GET /Queues: newest first, the exact alias filter, paged through nextPageUri", async () => {
    const account = await newAccount();
    const made: string[] = [];
    for (const alias of ["even", "odd", "even", "Even", "even"]) {
      made.push((await createQueue(account, { alias })).queueId);
      await held.runFor(1000);
    }
    const all = valid(await send(account, "GET", "/Queues"), 200, "QueueList");
    assert.equal(all.total, 5);
    assert.deepEqual(idsOf(all, "queues", "queueId"), [...made].reverse());
    assert.deepEqual([all.nextPageUri, all.numPages], [null, 1]);

    const first = valid(await send(account, "GET", "/Queues?alias=even&pageSize=2"), 200, "QueueList");
    assert.deepEqual([first.total, first.numPages, first.start, first.end, first.page], [3, 2, 0, 1, 0]);
    assert.deepEqual(idsOf(first, "queues", "queueId"), [made[4], made[2]], "exact, case included");
    const next = new URL(first.nextPageUri as string, "http://x");
    assert.equal(next.pathname, `/Accounts/${account.accountId}/Queues`);
    assert.equal(next.searchParams.get("alias"), "even");
    const second = valid(await send(account, "GET", `/Queues${next.search}`), 200, "QueueList");
    assert.deepEqual(idsOf(second, "queues", "queueId"), [made[0]]);
    assert.deepEqual([second.page, second.start, second.nextPageUri], [1, 2, null]);
    const none = valid(await send(account, "GET", "/Queues?alias=nobody"), 200, "QueueList");
    assert.deepEqual([none.total, idsOf(none, "queues", "queueId")], [0, []]);

    const other = await newAccount();
    assert.equal(valid(await send(other, "GET", "/Queues"), 200, "QueueList").total, 0, "one account's only");
    assertApiError(await send(account, "GET", "/Queues?pageSize=0"), 400, { code: 20 });
    assertApiError(await send(account, "GET", "/Queues?cursor=bm9wZQ"), 400, { code: 20 });
  });

  test("POST /Queues/{id} updates alias and maxSize: 200 QueueResult, revision +1", async () => {
    const [account, other] = [await newAccount(), await newAccount()];
    const created = await createQueue(account, { alias: "a", maxSize: 10 });
    const path = `/Queues/${created.queueId}`;
    await held.runFor(5000);
    const updated = valid<Queue>(
      await send(account, "POST", path, { body: { alias: "b", maxSize: 20 } }),
      200,
      "QueueResult",
    );
    assert.deepEqual([updated.alias, updated.maxSize, updated.revision], ["b", 20, 2]);
    assert.equal(parseRfc1123(updated.dateUpdated), (parseRfc1123(created.dateCreated) as number) + 5000);
    assert.equal(updated.dateCreated, created.dateCreated);
    assert.deepEqual(await getQueue(account, created.queueId), updated);

    const resized = valid<Queue>(
      await send(account, "POST", path, { body: { maxSize: 5 } }),
      200,
      "QueueResult",
    );
    assert.deepEqual([resized.alias, resized.maxSize, resized.revision], ["b", 5, 3], "only what was given");

    // Nothing asked, nothing changed: no revision spent.
    for (const body of [undefined, {}]) {
      const same = valid<Queue>(await send(account, "POST", path, { body }), 200, "QueueResult");
      assert.deepEqual(same, resized);
    }

    for (const [body, field] of [
      [{ maxSize: 0 }, "maxSize"],
      [{ maxSize: 1001 }, "maxSize"],
      [{ maxSize: null }, "maxSize"],
      [{ alias: "x".repeat(65) }, "alias"],
    ] as const) {
      const error = assertApiError(await send(account, "POST", path, { body }), 400, { code: 20 });
      assert.equal(error.details.field, field, JSON.stringify(body));
    }
    assertApiError(await send(other, "POST", path, { body: { alias: "theirs" } }), 404, { code: 75 });
    assertApiError(await send(account, "POST", `/Queues/${newId("QU")}`, { body: { alias: "x" } }), 404, {
      code: 75,
    });
    assert.deepEqual(await getQueue(account, created.queueId), resized, "refused updates changed nothing");
  });

  test("a smaller maxSize keeps the callers waiting and refuses new ones until the queue shrinks", async () => {
    const account = await newAccount();
    const queue = await createQueue(account, { maxSize: 3 });
    for (let n = 0; n < 3; n++) await join(account, queue.queueId);
    const { queues } = harness.belay.engine;
    const refused = await queues.join(account.accountId, queue.queueId, newId("CA"), held.clock);
    assert.equal(refused.ok ? "joined" : refused.result, "queueFull");

    valid(
      await send(account, "POST", `/Queues/${queue.queueId}`, { body: { maxSize: 2 } }),
      200,
      "QueueResult",
    );
    assert.equal((await getQueue(account, queue.queueId)).currentSize, 3, "nobody was turned out");
    valid(await send(account, "POST", `/Queues/${queue.queueId}/Members/Front`), 202, "QueueMember");
    const stillFull = await queues.join(account.accountId, queue.queueId, newId("CA"), held.clock);
    assert.equal(stillFull.ok ? "joined" : stillFull.result, "queueFull", "2 waiting, maxSize 2");
    valid(await send(account, "POST", `/Queues/${queue.queueId}/Members/Front`), 202, "QueueMember");
    await join(account, queue.queueId);
    assert.equal((await getQueue(account, queue.queueId)).currentSize, 2);
  });
});

describe("members", () => {
  test("GET /Members: front first, each with its position, wait time and dateEnqueued", async () => {
    const account = await newAccount();
    const queue = await createQueue(account, { alias: "hold" });
    const empty = await members(account, queue.queueId);
    assert.deepEqual([empty.total, empty.queueMembers, empty.nextPageUri], [0, [], null]);

    const first = await join(account, queue.queueId);
    const firstAt = held.now();
    await held.runFor(30_000);
    const second = await join(account, queue.queueId);
    await held.runFor(12_500);
    const third = await join(account, queue.queueId);
    await held.runFor(1_000);

    const list = await members(account, queue.queueId);
    assert.equal(list.total, 3);
    const [head] = list.queueMembers as Member[];
    assert.deepEqual(head, {
      uri: `/Accounts/${account.accountId}/Queues/${queue.queueId}/Members/${first.callId}`,
      callId: first.callId,
      waitTime: 43,
      position: 1,
      dateEnqueued: new Date(firstAt).toUTCString(),
    });
    assert.deepEqual(await lineUp(account, queue.queueId), [
      [first.callId, 1, 43],
      [second.callId, 2, 13],
      [third.callId, 3, 1],
    ]);
    assert.equal((await getQueue(account, queue.queueId)).currentSize, 3);

    // Paged in queue order; the next page carries the cursor.
    const page = await members(account, queue.queueId, "?pageSize=2");
    assert.deepEqual(idsOf(page, "queueMembers", "callId"), [first.callId, second.callId]);
    assert.deepEqual([page.total, page.numPages, page.end], [3, 2, 1]);
    const next = new URL(page.nextPageUri as string, "http://x");
    assert.equal(next.pathname, `/Accounts/${account.accountId}/Queues/${queue.queueId}/Members`);
    const rest = await members(account, queue.queueId, next.search);
    assert.deepEqual(idsOf(rest, "queueMembers", "callId"), [third.callId]);
    assert.deepEqual(
      (rest.queueMembers as Member[]).map((m) => m.position),
      [3],
    );
    assert.equal(rest.nextPageUri, null);
  });

  test("GET /Members/Front and /Members/{callId}; 404 (code 76) for an empty queue or a non-member", async () => {
    const account = await newAccount();
    const queue = await createQueue(account);
    const base = `/Queues/${queue.queueId}/Members`;
    assertApiError(await send(account, "GET", `${base}/Front`), 404, {
      code: 76,
      messageMatches: new RegExp(`queue ${queue.queueId} is empty`),
    });
    assertApiError(await send(account, "POST", `${base}/Front`), 404, {
      code: 76,
      messageMatches: /is empty/,
    });

    const a = await join(account, queue.queueId);
    await held.runFor(2000);
    const b = await join(account, queue.queueId);
    await held.runFor(3000);
    const front = valid<Member>(await send(account, "GET", `${base}/Front`), 200, "QueueMember");
    assert.deepEqual([front.callId, front.position, front.waitTime], [a.callId, 1, 5]);
    const second = valid<Member>(await send(account, "GET", `${base}/${b.callId}`), 200, "QueueMember");
    assert.deepEqual([second.callId, second.position, second.waitTime], [b.callId, 2, 3]);
    assert.equal(second.uri, `/Accounts/${account.accountId}${base}/${b.callId}`);

    const stranger = newId("CA");
    for (const method of ["GET", "POST"] as const) {
      assertApiError(await send(account, method, `${base}/${stranger}`), 404, {
        code: 76,
        messageMatches: new RegExp(`call ${stranger} is not a member of queue ${queue.queueId}`),
      });
    }
    for (const bad of ["CA123", newId("QU"), b.callId.toUpperCase(), "front"]) {
      const error = assertApiError(await send(account, "GET", `${base}/${bad}`), 400, { code: 20 });
      assert.equal(error.details.field, "callId", bad);
    }
    const unknown = `/Queues/${newId("QU")}/Members`;
    for (const [method, path] of [
      ["GET", unknown],
      ["GET", `${unknown}/Front`],
      ["POST", `${unknown}/Front`],
      ["GET", `${unknown}/${a.callId}`],
      ["POST", `${unknown}/${a.callId}`],
    ] as const) {
      assertApiError(await send(account, method, path), 404, { code: 75 });
    }
    assert.deepEqual(await lineUp(account, queue.queueId), [
      [a.callId, 1, 5],
      [b.callId, 2, 3],
    ]);
  });

  test("POST /Members/{callId} dequeues that member: 202, its Enqueue ends 'dequeued', the rest move up", async () => {
    const account = await newAccount();
    const queue = await createQueue(account);
    const base = `/Queues/${queue.queueId}/Members`;
    const a = await join(account, queue.queueId);
    await held.runFor(10_000);
    const b = await join(account, queue.queueId);
    await held.runFor(10_000);
    const c = await join(account, queue.queueId);
    await held.runFor(2_000);

    const taken = valid<Member>(await send(account, "POST", `${base}/${b.callId}`), 202, "QueueMember");
    assert.deepEqual([taken.callId, taken.position, taken.waitTime], [b.callId, 2, 12], "as it was");
    assert.deepEqual(await howLeft(b), { result: "dequeued", seconds: 12 });
    assert.equal(b.inQueue, false);
    assert.deepEqual([a.inQueue, c.inQueue], [true, true]);
    assert.deepEqual(await lineUp(account, queue.queueId), [
      [a.callId, 1, 22],
      [c.callId, 2, 2],
    ]);
    assertApiError(await send(account, "GET", `${base}/${b.callId}`), 404, { code: 76 });
    // Dequeued once only.
    assertApiError(await send(account, "POST", `${base}/${b.callId}`), 404, { code: 76 });

    await held.runFor(4_000);
    const head = valid<Member>(await send(account, "POST", `${base}/Front`), 202, "QueueMember");
    assert.deepEqual([head.callId, head.position, head.waitTime], [a.callId, 1, 26]);
    assert.deepEqual(await howLeft(a), { result: "dequeued", seconds: 26 });
    assert.deepEqual(await lineUp(account, queue.queueId), [[c.callId, 1, 6]]);
    const now = await getQueue(account, queue.queueId);
    assert.equal(now.currentSize, 1);
    assert.equal(now.revision, 1, "a removal is not a change of the queue's settings");

    // The average of 12 s and 26 s, once the store has counted both removals.
    const average = await until(
      async () => {
        const seen = await getQueue(account, queue.queueId);
        return seen.averageQueueRemovalTime === 19 ? seen : undefined;
      },
      STORE_WAIT_MS,
      "averageQueueRemovalTime 19",
    );
    assert.equal(average.currentSize, 1);
  });

  test("averageQueueRemovalTime is whole seconds, rounded, and 0 before anyone leaves", async () => {
    const account = await newAccount();
    const queue = await createQueue(account);
    assert.equal((await getQueue(account, queue.queueId)).averageQueueRemovalTime, 0);
    const a = await join(account, queue.queueId);
    const b = await join(account, queue.queueId);
    await held.runFor(10_000);
    valid(await send(account, "POST", `/Queues/${queue.queueId}/Members/Front`), 202, "QueueMember");
    await held.runFor(1_000);
    valid(await send(account, "POST", `/Queues/${queue.queueId}/Members/Front`), 202, "QueueMember");
    assert.deepEqual([(await howLeft(a)).seconds, (await howLeft(b)).seconds], [10, 11]);
    await until(
      async () =>
        (await getQueue(account, queue.queueId)).averageQueueRemovalTime === 11 ? true : undefined,
      STORE_WAIT_MS,
      "averageQueueRemovalTime 11 (10.5 rounded)",
    );
  });

  test("another account's queue is a 404 on every route, and its callers stay where they are", async () => {
    const [owner, other] = [await newAccount(), await newAccount()];
    const queue = await createQueue(owner);
    const member = await join(owner, queue.queueId);
    const base = `/Queues/${queue.queueId}`;
    for (const [method, path] of [
      ["GET", base],
      ["POST", base],
      ["GET", `${base}/Members`],
      ["GET", `${base}/Members/Front`],
      ["POST", `${base}/Members/Front`],
      ["GET", `${base}/Members/${member.callId}`],
      ["POST", `${base}/Members/${member.callId}`],
    ] as const) {
      assertApiError(await send(other, method, path), 404, { code: 75 });
      // Under the owner's path with the other's key: refused before anything is looked at.
      const response = await harness.belay.api.inject({
        method,
        url: `/apiserver/Accounts/${owner.accountId}${path}`,
        headers: { authorization: basicAuth(other.accountId, other.apiKey) },
      });
      assertApiError(
        {
          status: response.statusCode,
          headers: response.headers,
          body: response.body,
          rawPayload: response.rawPayload,
          json: <T>() => response.json() as T,
        },
        403,
        { code: 3 },
      );
      assertApiError(await send(owner, method, path, { authorization: null }), 401, { code: 1 });
      assertApiError(
        await send(owner, method, path, { authorization: basicAuth(owner.accountId, "wrong") }),
        401,
      );
    }
    assert.equal(member.inQueue, true);
    assert.deepEqual(await lineUp(owner, queue.queueId), [[member.callId, 1, 0]]);
  });

  test("an API built without a queue engine: member routes answer 503 (code 32), queues still work", async () => {
    // Belay's own API has the engine (belay.ts); one embedded with buildApi and no `queues`
    // dependency has none, and must say so rather than show an empty queue.
    const { belay } = harness;
    const on = await buildApi({
      store: belay.store,
      blobs: belay.engine.deps.blobs,
      engine: belay.engine,
      logger: belay.logger,
      publicUrl: () => belay.publicUrl(),
    });
    try {
      const account = await newAccount();
      const queue = await createQueue(account);
      const member = await join(account, queue.queueId);
      const base = `/Queues/${queue.queueId}/Members`;
      for (const [method, path] of [
        ["GET", base],
        ["GET", `${base}/Front`],
        ["POST", `${base}/Front`],
        ["GET", `${base}/${member.callId}`],
        ["POST", `${base}/${member.callId}`],
      ] as const) {
        assertApiError(await send(account, method, path, { on }), 503, {
          code: 32,
          messageMatches: /without a queue engine/,
        });
      }
      assert.equal(member.inQueue, true, "nobody was dequeued");
      const seen = valid<Queue>(
        await send(account, "GET", `/Queues/${queue.queueId}`, { on }),
        200,
        "QueueResult",
      );
      assert.equal(seen.currentSize, null, "unknown without the engine, not 0");
      const made = valid<Queue>(
        await send(account, "POST", "/Queues", { body: { alias: "x" }, on }),
        200,
        "QueueResult",
      );
      assert.equal(made.alias, "x");
      valid(
        await send(account, "POST", `/Queues/${made.queueId}`, { body: { maxSize: 7 }, on }),
        200,
        "QueueResult",
      );
      valid(await send(account, "GET", "/Queues", { on }), 200, "QueueList");
    } finally {
      await on.close();
    }
  });
});
