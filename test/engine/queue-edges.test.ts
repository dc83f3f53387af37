import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import {
  appUrl,
  assertEnded,
  type CallRun,
  callStatusOf,
  EngineHarness,
  eventsOf,
  onlyRequest,
} from "./harness.js";
import { assertEmittedValid, Roster, requestsOf, runCallers } from "./queue-harness.js";

/**
 * How a caller leaves a queue other than by being dequeued, or never gets in: a full queue,
 * another account's queue, a wait script that fails or holds a forbidden command, a Hangup in the
 * wait script; Dequeue outside a queue; and FreeClimb's own GetDigits-then-Redirect wait menu.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open({ logs: "capture" });
});
after(() => h.close());

function enqueue(queueId: string) {
  return [{ Enqueue: { queueId, waitUrl: appUrl("/wait"), actionUrl: appUrl("/left") } }];
}

/** The one removeFromQueueNotification of a run, as [kind, queueResult, queueTime, queueId]. */
function removal(run: CallRun) {
  const { kind, body } = onlyRequest(run, "removeFromQueueNotification");
  return [kind, body.queueResult, body.queueTime, body.queueId];
}

describe("a queue whose maxSize was lowered to 2", () => {
  test("refuses a third caller with queueFull, whose actionUrl goes on; it admits again once there is room", async () => {
    const queueId = newId("QU");
    const roster = new Roster(["A", "B", "C", "D"] as const);
    const run = await runCallers(h, roster, {
      routes: {
        "/voice": () => enqueue(queueId),
        "/wait": () => [{ Pause: { length: 60_000 } }],
        "/left": (body) =>
          body.queueResult === "queueFull" ? [{ Pause: { length: 1000 } }, { Hangup: {} }] : [{ Hangup: {} }],
      },
      callers: {
        A: { startAtMs: 0, script: { hangupAtMs: 10_000 } },
        B: { startAtMs: 1000, script: { hangupAtMs: 9000 } },
        C: { startAtMs: 2000, script: {} },
        D: { startAtMs: 20_000, script: {} },
      },
      setup: (engine, clock) => {
        // What PUT /Queues/{queueId} does: the queue A's Enqueue created now holds two at most.
        clock.setTimeout(
          () => void clock.track(h.store.queues.update(h.accountId, queueId, { maxSize: 2 })),
          500,
        );
        clock.setTimeout(() => engine.queues.dequeue(h.accountId, queueId), 25_000);
      },
    });
    const kinds = (name: "A" | "B" | "C" | "D") =>
      requestsOf(run, roster, name).map((r) => `${r.kind} ${r.body.requestType}`);
    assert.deepEqual(kinds("C"), [
      "percl inboundCall",
      "percl removeFromQueueNotification",
      "notify callStatus",
    ]);
    const refused = requestsOf(run, roster, "C")[1]?.body;
    assert.deepEqual([refused?.queueResult, refused?.queueTime, refused?.queueId], ["queueFull", 0, queueId]);
    assert.equal(run.outcomes.C.reason, "appHangup");
    assert.deepEqual(
      run.timelines.C.filter((e) => e.type === "queue").map((e) => [e.event, e.result]),
      [["refused", "queueFull"]],
    );
    assert.deepEqual(kinds("D"), [
      "percl inboundCall",
      "percl queueWait",
      "percl dequeue",
      "notify callStatus",
    ]);
    const dWait = requestsOf(run, roster, "D")[1]?.body;
    assert.deepEqual([dWait?.queuePosition, dWait?.currentQueueSize], ["1", 1]);
    assertEmittedValid(run.requests);
    const row = await h.store.queues.get(h.accountId, queueId);
    // A, B (hung up) and D (dequeued) were removed; C never got in.
    assert.deepEqual([row?.maxSize, row?.removals, row?.removalSeconds], [2, 3, 10 + 9 + 5]);
  });
});

describe("an Enqueue that cannot join", () => {
  test("another account's queue id: removeFromQueueNotification systemError, and the call goes on", async () => {
    const otherAccount = newId("AC");
    await h.store.accounts.create({ accountId: otherAccount, apiKey: "k", signingSecret: "s", alias: null });
    const queueId = newId("QU");
    await h.store.queues.create({ queueId, accountId: otherAccount, alias: null, maxSize: 100 });
    const run = await h.runCall({
      speech: false,
      routes: { "/voice": () => enqueue(queueId), "/left": () => [{ Hangup: {} }] },
    });
    assertEnded(run, "appHangup", "completed");
    assert.deepEqual(removal(run), ["percl", "systemError", 0, queueId]);
    assert.equal(
      run.requests.some((r) => r.body.requestType === "queueWait"),
      false,
    );
    assert.ok(h.logs.some((l) => l.msg.includes(`queue ${queueId} belongs to another account`)));
    assert.deepEqual(
      eventsOf(run, "error").map((e) => e.message),
      [`Enqueue: the call could not join queue ${queueId} (systemError)`],
    );
    assertEmittedValid(run.requests);
  });
});

describe("a wait script that goes wrong", () => {
  test("a forbidden command: the caller leaves with systemError and actionUrl continues the call", async () => {
    const queueId = newId("QU");
    let asked = 0;
    const run = await h.runCall({
      speech: false,
      routes: {
        "/voice": () => enqueue(queueId),
        "/wait": () =>
          ++asked === 1
            ? [{ Pause: { length: 3000 } }]
            : [{ RecordUtterance: { actionUrl: appUrl("/recorded") } }],
        "/left": () => [{ Pause: { length: 1000 } }, { Hangup: {} }],
      },
    });
    assertEnded(run, "appHangup", "completed");
    assert.deepEqual(removal(run), ["percl", "systemError", 3, queueId]);
    assert.ok(h.logs.some((l) => l.msg.includes("it held RecordUtterance")));
    assert.ok(h.logs.some((l) => l.msg.includes(`the call left queue ${queueId} (systemError)`)));
    assert.deepEqual(
      eventsOf(run, "error").map((e) => e.message),
      [
        `the call left queue ${queueId} (systemError): a wait script may only hold Play, Say, Pause, GetDigits, Dequeue, Hangup, Redirect; it held RecordUtterance`,
      ],
    );
    assert.deepEqual(
      eventsOf(run, "command").map((e) => e.name),
      ["Enqueue", "Pause", "Pause", "Hangup"],
    );
    assertEmittedValid(run.requests);
  });

  test("a waitUrl that fails: systemError, and actionUrl continues the call", async () => {
    const queueId = newId("QU");
    const run = await h.runCall({
      speech: false,
      routes: { "/voice": () => enqueue(queueId), "/left": () => [{ Hangup: {} }] },
    });
    assertEnded(run, "appHangup", "completed");
    assert.deepEqual(removal(run), ["percl", "systemError", 0, queueId]);
    const wait = onlyRequest(run, "queueWait");
    assert.equal(wait.url, appUrl("/wait"));
    assertEmittedValid(run.requests);
  });

  test("a Hangup in the wait script ends the call; actionUrl is told the caller left with hangup", async () => {
    const queueId = newId("QU");
    const run = await h.runCall({
      speech: false,
      routes: {
        "/voice": () => enqueue(queueId),
        "/wait": () => [{ Pause: { length: 5000 } }, { Hangup: {} }],
      },
    });
    assertEnded(run, "appHangup", "completed");
    assert.deepEqual(removal(run), ["notify", "hangup", 5, queueId]);
    assert.equal(callStatusOf(run).body.queueId, null);
    assertEmittedValid(run.requests);
  });
});

describe("Dequeue outside a queue", () => {
  test("ends the call with perclProcessingError and says why", async () => {
    const run = await h.runCall({ speech: false, routes: { "/voice": () => [{ Dequeue: {} }] } });
    assertEnded(run, "perclProcessingError", "failed");
    assert.match(run.outcome.message ?? "", /not waiting in a queue/);
  });
});

describe("a wait menu as in FreeClimb's queue tutorial: GetDigits, then Redirect back or Dequeue", () => {
  test("keys pressed while waiting are heard; the webhooks in the queue carry its queueId", async () => {
    const queueId = newId("QU");
    const run = await h.runCall({
      speech: false,
      caller: {
        dtmf: [
          { keys: "2", atMs: 3000 },
          { keys: "1", atMs: 15_000 },
        ],
      },
      routes: {
        "/voice": () => enqueue(queueId),
        "/wait": () => [
          {
            GetDigits: {
              actionUrl: appUrl("/pressed"),
              maxDigits: 1,
              initialTimeoutMs: 30_000,
              prompts: [{ Pause: { length: 1000 } }],
            },
          },
        ],
        "/pressed": (body) =>
          body.digits === "1" ? [{ Dequeue: {} }] : [{ Redirect: { actionUrl: appUrl("/wait") } }],
        "/left": () => [{ Hangup: {} }],
      },
    });
    assertEnded(run, "appHangup", "completed");
    const seen = run.requests.map((r) => [r.body.requestType, r.body.digits ?? null, r.body.queueId]);
    assert.deepEqual(seen, [
      ["inboundCall", null, null],
      ["queueWait", null, queueId],
      ["getDigits", "2", queueId],
      ["redirect", null, queueId],
      ["getDigits", "1", queueId],
      ["dequeue", null, queueId],
      ["callStatus", null, null],
    ]);
    const dequeued = onlyRequest(run, "dequeue").body;
    assert.equal(dequeued.queueTime, 15);
    assertEmittedValid(run.requests);
  });
});
