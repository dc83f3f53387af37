import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { AccountRow } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { createAccount, startBelay, type TestBelay, TLS_FIXTURE } from "../e2e/harness.js";
import { HeldClock } from "../helpers/held-clock.js";
import {
  checked,
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
 * FreeClimb's SDK (@freeclimb/sdk 2.1.3, over HTTPS as it insists) and the requests FreeClimb's
 * CLI builds (`call-queues:*`, `queue-members:*`) against Belay's Queues and Members API. Callers
 * join through the engine's queue registry on a held simulated clock, so wait times are exact.
 */

let harness: TestBelay;
let held: HeldClock;

before(async () => {
  held = new HeldClock(new SimulatedClock(Date.UTC(2026, 2, 2, 9, 0, 0)));
  harness = await startBelay({ clock: held.clock, tls: TLS_FIXTURE });
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
});

after(async () => {
  held?.letGo();
  await harness?.stop();
});

let accounts = 0;
const newAccount = () => createAccount(harness.belay, `queues-sdk-${++accounts}`);
const join = (account: AccountRow, queueId: string) => enqueue(harness.belay, account, queueId, held.clock);
const send = (account: AccountRow, method: Method, path: string, options?: SendOptions) =>
  sendOn(harness.belay, account, method, path, options);

type Body = Record<string, unknown>;
interface MembersApi {
  getList(): Promise<Body>;
  getNextPage(uri: string): Promise<Body>;
  get(callId: string): Promise<Body>;
  getFront(): Promise<Body>;
  dequeue(callId: string): Promise<Body>;
  dequeueFront(): Promise<Body>;
}
interface QueuesApi {
  create(options?: Body): Promise<Body>;
  getList(filters?: Body): Promise<Body>;
  getNextPage(uri: string): Promise<Body>;
  get(queueId: string): Promise<Body>;
  update(queueId: string, options: Body): Promise<Body>;
  members(queueId: string): MembersApi;
}

const sdkFor = (account: AccountRow): QueuesApi => {
  const freeclimb = createRequire(import.meta.url)("@freeclimb/sdk")(account.accountId, account.apiKey);
  freeclimb.api.setApiUrl(`${harness.belay.publicUrl()}/apiserver`);
  return freeclimb.api.queues as QueuesApi;
};

describe("FreeClimb's SDK", () => {
  test("queues: create, getList with alias, getNextPage, get, update", async () => {
    const account = await newAccount();
    const sdk = sdkFor(account);
    const made: Queue[] = [];
    for (const alias of ["sales", "support", "sales"]) {
      made.push(checked<Queue>("QueueResult", await sdk.create({ alias, maxSize: 10 })));
      await held.runFor(1000);
    }
    const plain = checked<Queue>("QueueResult", await sdk.create());
    assert.deepEqual([plain.alias, plain.maxSize, plain.currentSize], [null, 100, 0]);

    const first = checked("QueueList", await sdk.getList({ alias: "sales", pageSize: 1 }));
    assert.equal(first.total, 2);
    const rest = checked("QueueList", await sdk.getNextPage(first.nextPageUri as string));
    assert.deepEqual(
      [...idsOf(first, "queues", "queueId"), ...idsOf(rest, "queues", "queueId")],
      [made[2]?.queueId, made[0]?.queueId],
    );
    assert.equal(rest.nextPageUri, null);
    assert.equal(checked("QueueList", await sdk.getList()).total, 4);

    const id = made[1]?.queueId as string;
    assert.deepEqual(checked("QueueResult", await sdk.get(id)), made[1]);
    const updated = checked<Queue>("QueueResult", await sdk.update(id, { alias: "renamed", maxSize: 444 }));
    assert.deepEqual([updated.alias, updated.maxSize, updated.revision], ["renamed", 444, 2]);
    assert.deepEqual(checked("QueueResult", await sdk.get(id)), updated);

    await assert.rejects(sdk.get(newId("QU")), /Could not retrieve queue .*\(404 .*"code":75/);
    await assert.rejects(sdk.create({ maxSize: 1001 }), /Could not create queue \(400 .*maxSize/);
    await assert.rejects(sdk.update(id, { alias: "x".repeat(65) }), /\(400 .*alias/);
  });

  test("members: getList, getFront, get, dequeue, dequeueFront", async () => {
    const account = await newAccount();
    const sdk = sdkFor(account);
    const queue = checked<Queue>("QueueResult", await sdk.create({ alias: "hold" }));
    const members = sdk.members(queue.queueId);
    await assert.rejects(members.getFront(), /Could not retrieve front member \(404 .*"code":76.*is empty/);

    const a = await join(account, queue.queueId);
    await held.runFor(20_000);
    const b = await join(account, queue.queueId);
    await held.runFor(5_000);
    const c = await join(account, queue.queueId);
    await held.runFor(1_000);

    const list = checked("QueueMemberList", await members.getList());
    assert.deepEqual(
      (list.queueMembers as Member[]).map((m) => [m.callId, m.position, m.waitTime]),
      [
        [a.callId, 1, 26],
        [b.callId, 2, 6],
        [c.callId, 3, 1],
      ],
    );
    assert.equal(checked<Member>("QueueMember", await members.getFront()).callId, a.callId);
    const second = checked<Member>("QueueMember", await members.get(b.callId));
    assert.deepEqual([second.position, second.waitTime], [2, 6]);
    assert.equal(checked<Queue>("QueueResult", await sdk.get(queue.queueId)).currentSize, 3);

    const taken = checked<Member>("QueueMember", await members.dequeue(b.callId));
    assert.deepEqual([taken.callId, taken.position], [b.callId, 2]);
    assert.equal((await howLeft(b)).result, "dequeued");
    const head = checked<Member>("QueueMember", await members.dequeueFront());
    assert.deepEqual([head.callId, head.position, head.waitTime], [a.callId, 1, 26]);
    assert.equal((await howLeft(a)).result, "dequeued");
    const left = checked("QueueMemberList", await members.getList());
    assert.deepEqual(
      (left.queueMembers as Member[]).map((m) => [m.callId, m.position]),
      [[c.callId, 1]],
    );
    await assert.rejects(members.get(b.callId), /Could not retrieve member .*\(404 .*"code":76/);
    await assert.rejects(members.dequeue(newId("CA")), /Could not dequeue member .*\(404 .*"code":76/);
    await assert.rejects(
      sdk.members(newId("QU")).dequeueFront(),
      /Could not dequeue front member \(404 .*"code":75/,
    );
    assert.equal(c.inQueue, true);
  });
});

describe("FreeClimb's CLI", () => {
  test("call-queues:* and queue-members:* requests, as it builds them", async () => {
    // freeclimb-cli (axios) sends a JSON body of the flags given (unset ones left out), list
    // filters as query parameters, and the member commands' POSTs with no body at all.
    const account = await newAccount();
    const created = valid<Queue>(
      await send(account, "POST", "/Queues", { body: { alias: "cli", maxSize: 50 } }),
      200,
      "QueueResult",
    );
    const qu = `/Queues/${created.queueId}`;
    const listed = valid(await send(account, "GET", "/Queues?alias=cli"), 200, "QueueList");
    assert.deepEqual(idsOf(listed, "queues", "queueId"), [created.queueId]);
    valid(await send(account, "GET", qu), 200, "QueueResult");
    const updated = valid<Queue>(
      await send(account, "POST", qu, { body: { maxSize: 2 } }),
      200,
      "QueueResult",
    );
    assert.deepEqual([updated.alias, updated.maxSize], ["cli", 2]);

    const a = await join(account, created.queueId);
    await held.runFor(3_000);
    const b = await join(account, created.queueId);
    valid(await send(account, "GET", `${qu}/Members`), 200, "QueueMemberList");
    const front = valid<Member>(await send(account, "GET", `${qu}/Members/Front`), 200, "QueueMember");
    assert.equal(front.callId, a.callId);
    valid(await send(account, "GET", `${qu}/Members/${b.callId}`), 200, "QueueMember");
    const dequeued = valid<Member>(
      await send(account, "POST", `${qu}/Members/${b.callId}`),
      202,
      "QueueMember",
    );
    assert.equal(dequeued.callId, b.callId);
    const head = valid<Member>(await send(account, "POST", `${qu}/Members/Front`), 202, "QueueMember");
    assert.deepEqual([head.callId, head.waitTime], [a.callId, 3]);
    assert.deepEqual([(await howLeft(a)).result, (await howLeft(b)).result], ["dequeued", "dequeued"]);
    const empty = valid(await send(account, "GET", `${qu}/Members`), 200, "QueueMemberList");
    assert.deepEqual(empty.queueMembers, []);
  });

  test("queue-members:list --next: the CLI's cursor alone brings the next page", async () => {
    // The CLI never sends pageSize, so a page is 100 members. It keeps only the cursor of the
    // printed nextPageUri (letters and digits after "cursor=") and asks for `?cursor=` with it.
    const account = await newAccount();
    const queue = valid<Queue>(
      await send(account, "POST", "/Queues", { body: { maxSize: 200 } }),
      200,
      "QueueResult",
    );
    const waiting = [];
    for (let n = 0; n < 102; n++) waiting.push(await join(account, queue.queueId));
    const path = `/Queues/${queue.queueId}/Members`;
    const first = valid(await send(account, "GET", path), 200, "QueueMemberList");
    assert.deepEqual([first.total, (first.queueMembers as Member[]).length, first.numPages], [102, 100, 2]);
    const cursor = /"nextPageUri": (?:[\s\S]*cursor=)?([0-9a-zA-Z]+)/.exec(
      JSON.stringify(first, null, 2),
    )?.[1];
    assert.ok(cursor && cursor !== "null", JSON.stringify(first.nextPageUri));
    const next = valid(await send(account, "GET", `${path}?cursor=${cursor}`), 200, "QueueMemberList");
    assert.deepEqual(
      (next.queueMembers as Member[]).map((m) => [m.callId, m.position]),
      [
        [waiting[100]?.callId, 101],
        [waiting[101]?.callId, 102],
      ],
    );
    assert.equal(next.nextPageUri, null);
    for (const member of waiting)
      harness.belay.engine.queues.dequeue(account.accountId, queue.queueId, member.callId);
  });
});
