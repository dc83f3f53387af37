import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { setImmediate as setImmediatePromise } from "node:timers/promises";
import freeClimbSDK from "@freeclimb/sdk";
import type { WebhookTarget } from "../../src/engine/ports.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type { WebhookDeliveryRepo } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { type AppClientOptions, createAppClient } from "../../src/webhooks/app-client.js";
import {
  ACCOUNT_ID,
  CALL_ID,
  captureLogger,
  ERROR,
  MemoryDeliveryRepo,
  type ReceivedRequest,
  type Reply,
  SECRET,
  startApp,
  type TestApp,
} from "./helpers.js";

type SdkUtils = { verifyRequest(body: string, signatureHeader: string, signingSecret: string): void };
const sdkUtils = (freeClimbSDK(ACCOUNT_ID, "apikey") as unknown as { utils: SdkUtils }).utils;

const T0 = Date.now();
const SECOND = 1000;
const HOUR = 3_600_000;
const CALL_B = `CA${"b".repeat(40)}`;

function makeClient(
  clock: SimulatedClock,
  deliveries: WebhookDeliveryRepo,
  outbox: AppClientOptions["outbox"] = {},
) {
  const log = captureLogger();
  const client = createAppClient({
    deliveries,
    clock,
    logger: log.logger,
    secretsFor: async () => [SECRET],
    outbox: { random: () => 0, ...outbox },
  });
  return { client, log };
}

function notification(
  url: string,
  requestType = "callStatus",
  callId: string | null = CALL_ID,
): WebhookTarget {
  return {
    accountId: ACCOUNT_ID,
    callId,
    url,
    body: {
      requestType,
      accountId: ACCOUNT_ID,
      callId,
      callStatus: "completed",
      conferenceId: null,
      queueId: null,
      parentCallId: null,
    },
  };
}

/** The app's view of each request: when (simulated), where, and with which delivery id. */
function stamp(clock: SimulatedClock, request: ReceivedRequest) {
  return { at: clock.now() - T0, path: request.path, id: String(request.headers["belay-delivery-id"]) };
}

describe("notification outbox", () => {
  const opened: TestApp[] = [];
  async function app(reply: (request: ReceivedRequest) => Reply | Promise<Reply>): Promise<TestApp> {
    const started = await startApp(reply);
    opened.push(started);
    return started;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((a) => a.close()));
  });

  test("notify stores a pending row and sends nothing by itself; drainOutbox sends it", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const { client } = makeClient(clock, deliveries);
    const status = await app(() => ({ status: 204 }));

    await client.notify(notification(`${status.base}/status`));
    const [row] = deliveries.all();
    assert.ok(row);
    assert.deepEqual(
      [row.durable, row.state, row.attempts, row.nextAttemptAt, row.requestType, row.callId],
      [true, "pending", 0, T0, "callStatus", CALL_ID],
    );
    assert.equal(
      row.body,
      `{"accountId":"${ACCOUNT_ID}","callId":"${CALL_ID}","callStatus":"completed","conferenceId":null,` +
        `"parentCallId":null,"queueId":null,"requestType":"callStatus"}`,
    );
    assert.equal(status.requests.length, 0);

    await client.drainOutbox();
    assert.equal(status.requests.length, 1);
    assert.equal(status.requests[0]?.body, row.body);
    assert.equal(status.requests[0]?.headers["belay-delivery-id"], row.deliveryId);
    const sent = await deliveries.get(row.deliveryId);
    assert.deepEqual(
      [sent?.state, sent?.attempts, sent?.lastStatus, sent?.nextAttemptAt],
      ["delivered", 1, 204, null],
    );
  });

  test("an app failing twice gets exactly 3 attempts at 0 s, 1 s, 3 s with one delivery id", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const { client, log } = makeClient(clock, deliveries);
    const seen: ReturnType<typeof stamp>[] = [];
    const status = await app((request) => {
      seen.push(stamp(clock, request));
      return { status: seen.length <= 2 ? 503 : 200 };
    });

    await client.notify(notification(`${status.base}/status`));
    client.startOutbox();
    await status.received(3);
    await client.drainOutbox();
    // An hour more of simulated time: nothing else may be sent.
    await clock.sleep(HOUR);
    await client.stopOutbox();

    assert.deepEqual(
      seen.map((s) => s.at),
      [0, SECOND, 3 * SECOND],
    );
    assert.equal(new Set(seen.map((s) => s.id)).size, 1);
    const [row] = deliveries.all();
    assert.ok(row);
    assert.equal(seen[0]?.id, row.deliveryId);
    assert.deepEqual([row.state, row.attempts, row.lastStatus, row.lastError], ["delivered", 3, 200, null]);
    // Each retry is signed afresh, so an app checking the timestamp's age accepts it.
    const stamps = status.requests.map((r) => String(r.headers["freeclimb-signature"]).split(",")[0]);
    assert.deepEqual(
      stamps,
      [0, 1, 3].map((s) => `t=${Math.floor(T0 / 1000 + s)}`),
    );
    assert.equal(log.lines.filter((l) => l.level === 40).length, 2, "one warning per failed attempt");
    assert.equal(clock.pendingTimers(), 0);
  });

  test("gives up 24 h after the row was stored, backing off 1 s, 2 s, 4 s … up to 10 min", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const { client, log } = makeClient(clock, deliveries);
    const seen: number[] = [];
    const status = await app(() => {
      seen.push(clock.now() - T0);
      return { status: 500, body: "down" };
    });

    await client.notify(notification(`${status.base}/status`));
    client.startOutbox();
    await clock.sleep(25 * HOUR);
    await client.drainOutbox();
    await client.stopOutbox();

    const gaps = seen.slice(1).map((at, i) => at - (seen[i] as number));
    assert.deepEqual(
      gaps.slice(0, 11),
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600].map((s) => s * SECOND),
    );
    assert.ok(
      gaps.every((gap) => gap > 0 && gap <= 600 * SECOND),
      "no gap above the cap",
    );
    assert.equal(seen.at(-1), 24 * HOUR, "the last attempt is at the deadline");
    const [row] = deliveries.all();
    assert.ok(row);
    assert.deepEqual(
      [row.state, row.attempts, row.lastStatus, row.nextAttemptAt, row.lastError],
      ["failed", seen.length, 500, null, "answered 500"],
    );
    const errors = log.lines.filter((l) => l.level === ERROR);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.msg ?? "", /gave up on the callStatus webhook/);
    assert.equal(errors[0]?.deliveryId, row.deliveryId);
  });

  test("after a restart, a second client over the same store sends what the first left pending", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    let flakyUp = false;
    const seen: ReturnType<typeof stamp>[] = [];
    const server = await app((request) => {
      seen.push(stamp(clock, request));
      return { status: request.path === "/flaky" && !flakyUp ? 502 : 200 };
    });

    const first = makeClient(clock, deliveries).client;
    await first.notify(notification(`${server.base}/flaky`));
    first.startOutbox();
    await server.received(1);
    await first.drainOutbox();
    await first.stopOutbox();
    // Stored while the first process is shutting down: it never sends this one.
    await first.notify(notification(`${server.base}/later`, "callStatus", CALL_B));
    assert.equal(server.requests.length, 1);
    assert.equal(clock.pendingTimers(), 0, "a stopped outbox leaves no timers");

    flakyUp = true;
    // A poll interval of an hour shows the retry comes from the start-up scan, not the poll.
    const second = makeClient(clock, deliveries, { pollMs: HOUR }).client;
    second.startOutbox();
    await server.received(3);
    await second.drainOutbox();
    await second.stopOutbox();

    assert.deepEqual(
      seen.map((s) => [s.at, s.path]),
      [
        [0, "/flaky"],
        [0, "/later"],
        [SECOND, "/flaky"],
      ],
    );
    assert.equal(seen[0]?.id, seen[2]?.id, "the retry keeps the delivery id");
    assert.deepEqual(
      deliveries.all().map((r) => [r.url.slice(server.base.length), r.state, r.attempts]),
      [
        ["/flaky", "delivered", 2],
        ["/later", "delivered", 1],
      ],
    );
  });

  /** An app whose /record fails twice (500) before it answers 200; it stamps every request. */
  async function recordFailingTwice(clock: SimulatedClock) {
    let recordAttempts = 0;
    const seen: ReturnType<typeof stamp>[] = [];
    const server = await app((request) => {
      seen.push(stamp(clock, request));
      if (request.path === "/record") recordAttempts++;
      return { status: request.path === "/record" && recordAttempts <= 2 ? 500 : 200 };
    });
    return { server, seen };
  }

  /** Waits for all five requests: the call's record retried at 1 s and 3 s, its callStatus after, another call's at once. */
  async function expectRecordRetriedThenStatus(
    client: ReturnType<typeof makeClient>["client"],
    server: TestApp,
    seen: ReturnType<typeof stamp>[],
    deliveries: MemoryDeliveryRepo,
  ): Promise<void> {
    await server.received(5);
    await client.drainOutbox();
    await client.stopOutbox();
    assert.deepEqual(
      seen.map((s) => [s.at, s.path]),
      [
        [0, "/record"],
        [0, "/other"],
        [SECOND, "/record"],
        [3 * SECOND, "/record"],
        [3 * SECOND, "/status"],
      ],
    );
    assert.ok(deliveries.all().every((r) => r.state === "delivered"));
  }

  test("one call's notifications keep their order; other calls are not held up", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const { client } = makeClient(clock, deliveries);
    const { server, seen } = await recordFailingTwice(clock);

    await client.notify(notification(`${server.base}/record`, "record", CALL_ID));
    await client.notify(notification(`${server.base}/status`, "callStatus", CALL_ID));
    await client.notify(notification(`${server.base}/other`, "callStatus", CALL_B));
    client.startOutbox();
    await expectRecordRetriedThenStatus(client, server, seen, deliveries);
  });

  test("with the outbox running, a notification goes out at once, without reading the store back", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const reads = { listDue: 0, listByCall: 0 };
    const counted: WebhookDeliveryRepo = {
      create: (row) => deliveries.create(row),
      update: (id, patch) => deliveries.update(id, patch),
      get: (id) => deliveries.get(id),
      deleteSettledBefore: (before, limit) => deliveries.deleteSettledBefore(before, limit),
      listDue: (now, limit) => {
        reads.listDue++;
        return deliveries.listDue(now, limit);
      },
      listByCall: (callId) => {
        reads.listByCall++;
        return deliveries.listByCall(callId);
      },
    };
    const { client } = makeClient(clock, counted);
    const server = await app(() => ({ status: 200 }));
    client.startOutbox();
    await client.drainOutbox(); // the start-up scans: nothing stored yet
    const before = { ...reads };

    for (let i = 0; i < 5; i++) {
      await client.notify(notification(`${server.base}/n${i}`, "callStatus", i % 2 ? CALL_ID : CALL_B));
      await server.received(i + 1);
    }
    await client.stopOutbox();
    assert.deepEqual(reads, before, "the rows were sent as they were stored, and never looked up");
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ["/n0", "/n1", "/n2", "/n3", "/n4"],
    );
    assert.ok(deliveries.all().every((r) => r.state === "delivered" && r.attempts === 1));
  });

  test("with the outbox running, a call's later row still waits for its earlier one's retries", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const { client } = makeClient(clock, deliveries);
    const { server, seen } = await recordFailingTwice(clock);
    client.startOutbox();
    // Simulated time stands still while this is pending: the retry cannot overtake the test.
    let release = () => {};
    const frozen = clock.track(new Promise<void>((resolve) => (release = resolve)));

    await client.notify(notification(`${server.base}/record`, "record", CALL_ID));
    const record = deliveries.all()[0] as { deliveryId: string };
    while ((await deliveries.get(record.deliveryId))?.attempts !== 1) await setImmediatePromise();
    // Its first attempt failed and is recorded: nothing of the call is in flight, the row waits.
    await client.notify(notification(`${server.base}/status`, "callStatus", CALL_ID));
    await client.notify(notification(`${server.base}/other`, "callStatus", CALL_B));
    await server.received(2);
    release();
    await frozen;
    await expectRecordRetriedThenStatus(client, server, seen, deliveries);
  });

  test("never more than maxInFlight requests open, and each row is sent once", {
    timeout: 20_000,
  }, async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const { client } = makeClient(clock, deliveries, { maxInFlight: 4 });
    const held: (() => void)[] = [];
    let open = 0;
    let maxOpen = 0;
    const server = await app(async () => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      // Answer in batches of four: with a smaller bound this would never finish.
      await new Promise<void>((release) => {
        held.push(release);
        if (held.length === 4) for (const r of held.splice(0)) r();
      });
      open--;
      return { status: 200 };
    });

    for (let i = 0; i < 12; i++) {
      const callId = i % 3 === 0 ? null : `CA${i.toString(16).padStart(40, "0")}`;
      await client.notify(notification(`${server.base}/n${i}`, "callStatus", callId));
    }
    client.startOutbox();
    await Promise.all([client.drainOutbox(), client.drainOutbox()]);
    await client.stopOutbox();

    assert.equal(maxOpen, 4);
    const ids = server.requests.map((r) => String(r.headers["belay-delivery-id"]));
    assert.equal(ids.length, 12);
    assert.equal(new Set(ids).size, 12);
    assert.ok(deliveries.all().every((r) => r.state === "delivered" && r.attempts === 1));
  });

  test("stopOutbox waits for the request in flight to finish and be recorded", async () => {
    const clock = new SimulatedClock(T0);
    const deliveries = new MemoryDeliveryRepo(clock);
    const { client } = makeClient(clock, deliveries);
    let release: () => void = () => {};
    const server = await app(
      () => new Promise<Reply>((resolve) => (release = () => resolve({ status: 200 }))),
    );

    await client.notify(notification(`${server.base}/status`));
    client.startOutbox();
    await server.received(1);
    const stopped = client.stopOutbox();
    release();
    await stopped;
    assert.equal(deliveries.all()[0]?.state, "delivered");

    await client.notify(notification(`${server.base}/after-stop`));
    assert.equal(deliveries.all()[1]?.state, "pending");
    assert.equal(server.requests.length, 1);
    assert.equal(clock.pendingTimers(), 0);
  });

  test("works the same over the SQLite store, signatures verifying with the SDK", async () => {
    const clock = new SimulatedClock(T0);
    const store = await openSqliteStore(":memory:", { now: () => clock.now() });
    try {
      const { client } = makeClient(clock, store.deliveries);
      const seen: ReturnType<typeof stamp>[] = [];
      const server = await app((request) => {
        seen.push(stamp(clock, request));
        return { status: seen.length <= 2 ? 500 : 200 };
      });
      await client.notify(notification(`${server.base}/record`, "record"));
      await client.notify(notification(`${server.base}/status`, "callStatus"));
      client.startOutbox();
      await server.received(4);
      await client.drainOutbox();
      await client.stopOutbox();

      assert.deepEqual(
        seen.map((s) => [s.at, s.path]),
        [
          [0, "/record"],
          [SECOND, "/record"],
          [3 * SECOND, "/record"],
          [3 * SECOND, "/status"],
        ],
      );
      const rows = await store.deliveries.listByCall(CALL_ID);
      assert.deepEqual(
        rows.map((r) => [r.requestType, r.state, r.attempts, r.durable]),
        [
          ["record", "delivered", 3, true],
          ["callStatus", "delivered", 1, true],
        ],
      );
      for (const request of server.requests) {
        // The SDK checks the timestamp against the real clock; the simulated one started at real now.
        assert.doesNotThrow(() =>
          sdkUtils.verifyRequest(request.body, String(request.headers["freeclimb-signature"]), SECRET),
        );
      }
    } finally {
      await store.close();
    }
  });
});
