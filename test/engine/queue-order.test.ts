import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { WebhookBody } from "../../src/engine/ports.js";
import type { MemberView } from "../../src/engine/queue/queue-member.js";
import { appUrl, EngineHarness } from "./harness.js";
import { assertEmittedValid, type QueueRun, Roster, requestsOf, runCallers } from "./queue-harness.js";

/**
 * Callers waiting in one queue on simulated time, taken out front first: by the REST API's path
 * (the registry's dequeue, at set times) and by the Dequeue command in their own wait scripts.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

const MINUTE = 60_000;

function enqueue(queueId: string) {
  return [
    {
      Enqueue: {
        queueId,
        waitUrl: appUrl("/wait"),
        actionUrl: appUrl("/left"),
        notificationUrl: appUrl("/queued"),
      },
    },
  ];
}

/** What one caller's queueWait bodies said, in order. */
function waits(run: QueueRun<string>, roster: Roster<string>, name: string) {
  return requestsOf(run, roster, name)
    .filter((r) => r.body.requestType === "queueWait")
    .map((r) => ({
      atMs: r.atMs,
      position: r.body.queuePosition,
      time: r.body.queueTime,
      size: r.body.currentQueueSize,
    }));
}

describe("a queue emptied through the REST API's path over 25 simulated minutes", () => {
  const queueId = newId("QU");
  const roster = new Roster(["A", "B", "C"] as const);
  const dequeued: Array<MemberView | undefined> = [];
  let run: QueueRun<"A" | "B" | "C">;

  before(async () => {
    run = await runCallers(h, roster, {
      routes: {
        "/voice": () => enqueue(queueId),
        "/wait": () => [{ Pause: { length: MINUTE } }],
        "/left": () => [{ Pause: { length: 2000 } }, { Hangup: {} }],
      },
      callers: {
        A: { startAtMs: 0, script: {} },
        // B gives up at 22:00, its script's time counting from its answer at 0:30.
        B: { startAtMs: 30_000, script: { hangupAtMs: 22 * MINUTE - 30_000 } },
        C: { startAtMs: 45_000, script: {} },
      },
      setup: (engine, clock) => {
        for (const atMs of [20 * MINUTE + 500, 25 * MINUTE, 25 * MINUTE + 1000]) {
          clock.setTimeout(() => dequeued.push(engine.queues.dequeue(h.accountId, queueId)), atMs);
        }
      },
    });
  });

  test("the registry dequeues the front caller each time, and nobody once the queue is empty", () => {
    assert.deepEqual(
      dequeued.map((m) => m && { callId: m.callId, position: m.position, waitTime: m.waitTime }),
      [
        { callId: roster.id("A"), position: 1, waitTime: 1200 },
        { callId: roster.id("C"), position: 1, waitTime: 1455 },
        undefined,
      ],
    );
  });

  test("each caller's webhooks come in order: addToQueueNotification, queueWait…, then how it left", () => {
    const kinds = (name: "A" | "B" | "C") =>
      requestsOf(run, roster, name)
        .map((r) => `${r.kind} ${r.body.requestType}`)
        .filter((k, i, all) => k !== "percl queueWait" || all[i - 1] !== k);
    assert.deepEqual(kinds("A"), [
      "percl inboundCall",
      "notify addToQueueNotification",
      "percl queueWait",
      "percl dequeue",
      "notify callStatus",
    ]);
    assert.deepEqual(kinds("B"), [
      "percl inboundCall",
      "notify addToQueueNotification",
      "percl queueWait",
      "notify removeFromQueueNotification",
      "notify callStatus",
    ]);
    assert.deepEqual(kinds("C"), kinds("A"));
    assert.equal(run.outcomes.A.reason, "appHangup");
    assert.equal(run.outcomes.B.reason, "farEndHangup");
    assert.equal(run.outcomes.C.reason, "appHangup");
  });

  test("queuePosition, queueTime and currentQueueSize are right at every step", () => {
    const every = (n: number, from: number, f: (k: number) => Partial<ReturnType<typeof waits>[number]>) =>
      Array.from({ length: n }, (_, k) => f(from + k));
    // A: alone at 0:00, three in the queue from 1:00; front all along; dequeued at 20:00.5.
    assert.deepEqual(waits(run, roster, "A"), [
      { atMs: 0, position: "1", time: 0, size: 1 },
      ...every(20, 1, (k) => ({ atMs: k * MINUTE, position: "1", time: k * 60, size: 3 })),
    ]);
    // B: second behind A; front once A is dequeued; hangs up at 22:00.
    assert.deepEqual(waits(run, roster, "B"), [
      { atMs: 30_000, position: "2", time: 0, size: 2 },
      ...every(19, 1, (k) => ({ atMs: 30_000 + k * MINUTE, position: "2", time: k * 60, size: 3 })),
      ...every(2, 20, (k) => ({ atMs: 30_000 + k * MINUTE, position: "1", time: k * 60, size: 2 })),
    ]);
    // C: third; second after A leaves; front after B hangs up.
    assert.deepEqual(waits(run, roster, "C"), [
      ...every(20, 0, (k) => ({ atMs: 45_000 + k * MINUTE, position: "3", time: k * 60, size: 3 })),
      ...every(2, 20, (k) => ({ atMs: 45_000 + k * MINUTE, position: "2", time: k * 60, size: 2 })),
      ...every(3, 22, (k) => ({ atMs: 45_000 + k * MINUTE, position: "1", time: k * 60, size: 1 })),
    ]);
  });

  test("dequeue and removeFromQueueNotification carry the result, the whole seconds waited and the queueId", () => {
    const last = (name: "A" | "B" | "C", type: string) =>
      requestsOf(run, roster, name).find((r) => r.body.requestType === type) as {
        url: string;
        body: WebhookBody;
      };
    const a = last("A", "dequeue");
    assert.equal(a.url, appUrl("/left"));
    assert.deepEqual([a.body.queueResult, a.body.queueTime, a.body.queueId], ["dequeued", 1200, queueId]);
    const b = last("B", "removeFromQueueNotification");
    assert.equal(b.url, appUrl("/left"));
    // Left at 22:00 after joining at 0:30.
    assert.deepEqual([b.body.queueResult, b.body.queueTime, b.body.queueId], ["hangup", 1290, queueId]);
    const c = last("C", "dequeue");
    assert.deepEqual([c.body.queueResult, c.body.queueTime, c.body.queueId], ["dequeued", 1455, queueId]);
  });

  test("webhooks sent while in the queue carry its queueId; the others carry null", () => {
    const inQueue = new Set([
      "addToQueueNotification",
      "queueWait",
      "dequeue",
      "removeFromQueueNotification",
    ]);
    for (const { body } of run.requests) {
      assert.equal(body.queueId, inQueue.has(body.requestType) ? queueId : null, body.requestType);
    }
  });

  test("every body is a valid Belay webhook and matches FreeClimb's OpenAPI", () => {
    assertEmittedValid(run.requests);
  });

  test("the timeline shows each caller joining and leaving the queue, with why", () => {
    const queueEvents = (name: "A" | "B" | "C") =>
      run.timelines[name].filter((e) => e.type === "queue").map((e) => [e.event, e.result]);
    assert.deepEqual(queueEvents("A"), [
      ["joined", undefined],
      ["left", "dequeued"],
    ]);
    assert.deepEqual(queueEvents("B"), [
      ["joined", undefined],
      ["left", "hangup"],
    ]);
  });

  test("the queue's removals are stored, for its average removal time", async () => {
    const row = await h.store.queues.get(h.accountId, queueId);
    assert.ok(row, "Enqueue created the queue");
    assert.equal(row.maxSize, 100);
    assert.deepEqual([row.removals, row.removalSeconds], [3, 1200 + 1290 + 1455]);
    assert.equal(run.engine.queues.size(queueId), 0);
  });
});

describe("callers who take themselves out with the Dequeue command", () => {
  const queueId = newId("QU");
  const roster = new Roster(["A", "B", "C"] as const);
  let run: QueueRun<"A" | "B" | "C">;

  before(async () => {
    run = await runCallers(h, roster, {
      routes: {
        "/voice": () => enqueue(queueId),
        // Each caller would leave after half a minute, but only the front one may.
        "/wait": (body) =>
          body.queuePosition === "1" && Number(body.queueTime) >= 30
            ? [{ Dequeue: {} }]
            : [{ Pause: { length: 10_000 } }],
        "/left": () => [{ Hangup: {} }],
      },
      callers: {
        A: { startAtMs: 0, script: {} },
        B: { startAtMs: 5000, script: {} },
        C: { startAtMs: 12_000, script: {} },
      },
    });
  });

  test("they leave front first, each moving up as the one ahead leaves", () => {
    const dequeues = run.requests.filter((r) => r.body.requestType === "dequeue");
    assert.deepEqual(
      dequeues.map((r) => [roster.of(r.body), r.atMs, r.body.queueTime]),
      [
        ["A", 30_000, 30],
        ["B", 35_000, 30],
        ["C", 42_000, 30],
      ],
    );
    assert.deepEqual(
      waits(run, roster, "C").map((w) => [w.atMs, w.position, w.size]),
      [
        [12_000, "3", 3],
        [22_000, "3", 3],
        [32_000, "2", 2],
        [42_000, "1", 1],
      ],
    );
    for (const name of ["A", "B", "C"] as const) assert.equal(run.outcomes[name].reason, "appHangup");
  });

  test("the dequeue webhook continues the call with the actionUrl's PerCL; every body is valid", () => {
    const commands = run.timelines.A.filter((e) => e.type === "command").map((e) => e.name);
    assert.deepEqual(commands, ["Enqueue", "Pause", "Pause", "Pause", "Dequeue", "Hangup"]);
    assertEmittedValid(run.requests);
  });
});
