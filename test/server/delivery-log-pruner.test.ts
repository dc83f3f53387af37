import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import pino from "pino";
import { resolveConfig } from "../../src/server/config.js";
import { DeliveryLogPruner } from "../../src/server/delivery-log-pruner.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { startBelay } from "../e2e/harness.js";
import { id, newAccount, newDelivery, openTestStore, type TestStore } from "../store/helpers.js";

/** The delivery log's retention, run on the simulated clock: settled rows go, pending ones stay. */

const A = newAccount(1).accountId;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let t: TestStore;

beforeEach(async () => {
  t = await openTestStore("file");
});

afterEach(() => t.dispose());

test("settled rows are pruned once past the retention, hour by hour on the clock; pending rows never", async () => {
  const t0 = t.clock.time;
  // Day 0: a PerCL request answered, a notification given up on, one still pending (retrying).
  await t.store.deliveries.create(newDelivery(A, 1, { durable: false, state: "delivered", attempts: 1 }));
  await t.store.deliveries.create(newDelivery(A, 2, { state: "failed", attempts: 9 }));
  await t.store.deliveries.create(newDelivery(A, 3, { state: "pending", nextAttemptAt: t0 + 60 * DAY }));
  // Day 3: a notification delivered.
  t.clock.advance(3 * DAY);
  await t.store.deliveries.create(newDelivery(A, 4, { state: "delivered", attempts: 1 }));

  const clock = new SimulatedClock(t0 + DAY);
  const pruned: Array<[day: number, deleted: number]> = [];
  let pruner: DeliveryLogPruner | undefined;
  const twelveDays = new Promise<void>((resolve) => {
    pruner = new DeliveryLogPruner(
      {
        deliveries: t.store.deliveries,
        clock,
        logger: pino({ level: "silent" }),
        onPruned: (at, deleted) => {
          if (deleted > 0) pruned.push([(at - t0) / DAY, deleted]);
          if (at >= t0 + 12 * DAY) {
            void pruner?.stop();
            resolve();
          }
        },
      },
      { retentionMs: 7 * DAY, everyMs: HOUR },
    );
    pruner.start();
  });
  await twelveDays;
  await pruner?.stop();

  // The first prune past day 7 (7 days 1 hour) takes the day-0 rows; past day 10, the day-3 one.
  assert.deepEqual(pruned, [
    [7 + 1 / 24, 2],
    [10 + 1 / 24, 1],
  ]);
  const left = await Promise.all([1, 2, 3, 4].map((n) => t.store.deliveries.get(id("WD", n))));
  assert.deepEqual(
    left.map((row) => row?.deliveryId ?? null),
    [null, null, id("WD", 3), null],
    "only the pending notification is left",
  );
});

test("a prune deletes in batches until nothing past the retention is left", async () => {
  for (let n = 1; n <= 1203; n++)
    await t.store.deliveries.create(newDelivery(A, n, { state: "delivered", attempts: 1 }));
  const clock = new SimulatedClock(t.clock.time + 2 * DAY);
  const pruner = new DeliveryLogPruner(
    { deliveries: t.store.deliveries, clock, logger: pino({ level: "silent" }) },
    { retentionMs: DAY, everyMs: HOUR },
  );
  assert.equal(await pruner.prune(), 1203);
  assert.equal(await t.store.deliveries.get(id("WD", 1203)), undefined);
});

test("BELAY_WEBHOOK_LOG_RETENTION takes days, hours, minutes or seconds; the default is 7 days", () => {
  assert.equal(resolveConfig({}, {}).webhookLogRetentionMs, 7 * DAY);
  const retention = (value: string) =>
    resolveConfig({}, { BELAY_WEBHOOK_LOG_RETENTION: value }).webhookLogRetentionMs;
  assert.equal(retention("30"), 30 * DAY);
  assert.equal(retention("2d"), 2 * DAY);
  assert.equal(retention("36h"), 36 * HOUR);
  assert.equal(retention("45m"), 45 * 60_000);
  assert.equal(retention("90s"), 90_000);
  for (const bad of ["0", "0d", "-1d", "1.5d", "7w", "week", " "]) {
    assert.throws(
      () => retention(bad),
      (err: Error & { code?: string }) =>
        err.code === "CONFIG_INVALID" && err.message.includes(`BELAY_WEBHOOK_LOG_RETENTION "${bad}"`),
      bad,
    );
  }
});

test("Belay prunes its own delivery log to webhookLogRetentionMs on its clock", async () => {
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5));
  const harness = await startBelay({ listen: false, clock, webhookLogRetentionMs: DAY });
  try {
    const { belay } = harness;
    // The outbox would send the pending row once due; this test is about keeping it.
    await belay.app.stopOutbox();
    const account = belay.account.accountId;
    await belay.store.deliveries.create(newDelivery(account, 1, { state: "delivered", attempts: 1 }));
    await belay.store.deliveries.create(newDelivery(account, 2, { nextAttemptAt: clock.now() + 60 * DAY }));
    await clock.sleep(2 * DAY);
    assert.equal(await belay.store.deliveries.get(id("WD", 1)), undefined, "delivered a day ago: pruned");
    assert.equal((await belay.store.deliveries.get(id("WD", 2)))?.state, "pending", "pending: kept");
  } finally {
    await harness.stop();
  }
});
