import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SimulatedClock } from "../../src/engine/clock.js";

/** Resolves after `ms` of real time: I/O the simulated clock knows nothing about. */
function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("SimulatedClock", () => {
  test("timers fire in time order, equal times in the order they were set", async () => {
    const clock = new SimulatedClock(1000);
    const fired: Array<[string, number]> = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const note = (name: string) => () => fired.push([name, clock.now()]);
    clock.setTimeout(note("c@300"), 300);
    clock.setTimeout(note("a@100"), 100);
    clock.setTimeout(note("b@300"), 300);
    clock.setTimeout(() => {
      note("d@200")();
      // Set from inside a timer: 100 ms from now is 300, after the two already due then.
      clock.setTimeout(note("e@300"), 100);
      clock.setTimeout(note("f@200"), 0);
    }, 200);
    clock.setTimeout(note("g@-5"), -5);
    clock.setTimeout(resolve, 1000);
    await done;
    assert.deepEqual(fired, [
      ["g@-5", 1000],
      ["a@100", 1100],
      ["d@200", 1200],
      ["f@200", 1200],
      ["c@300", 1300],
      ["b@300", 1300],
      ["e@300", 1300],
    ]);
    assert.equal(clock.now(), 2000);
    assert.equal(clock.pendingTimers(), 0);
  });

  test("a cancelled timer never fires and is not pending", async () => {
    const clock = new SimulatedClock(0);
    let fired = false;
    const timer = clock.setTimeout(() => {
      fired = true;
    }, 50);
    assert.equal(clock.pendingTimers(), 1);
    timer.cancel();
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(await clock.sleep(100), true);
    assert.equal(fired, false);
  });

  test("track() holds time still while its promise is pending", async () => {
    const clock = new SimulatedClock(0);
    const order: string[] = [];
    const slept = clock.sleep(10).then(() => order.push(`slept@${clock.now()}`));
    const work = clock.track(realDelay(30)).then(() => order.push(`work@${clock.now()}`));
    await Promise.all([slept, work]);
    assert.deepEqual(order, ["work@0", "slept@10"]);
  });

  test("a rejected tracked promise releases time too", async () => {
    const clock = new SimulatedClock(0);
    const failing = clock.track(realDelay(5).then(() => Promise.reject(new Error("boom"))));
    await assert.rejects(failing, /boom/);
    assert.equal(await clock.sleep(25), true);
    assert.equal(clock.now(), 25);
  });

  test("without tracked work, simulated time does not wait for real time", async () => {
    const clock = new SimulatedClock(0);
    const started = performance.now();
    assert.equal(await clock.sleep(3_600_000), true);
    assert.equal(clock.now(), 3_600_000);
    assert.ok(performance.now() - started < 1000);
  });

  test("sleep resolves false when its signal aborts, at the abort's time", async () => {
    const clock = new SimulatedClock(0);
    const controller = new AbortController();
    clock.setTimeout(() => controller.abort(), 300);
    assert.equal(await clock.sleep(1000, controller.signal), false);
    assert.equal(clock.now(), 300);
    assert.equal(clock.pendingTimers(), 0, "the aborted sleep's timer is gone");
  });

  test("sleep on an already aborted signal resolves false at once", async () => {
    const clock = new SimulatedClock(500);
    assert.equal(await clock.sleep(1000, AbortSignal.abort()), false);
    assert.equal(clock.now(), 500);
  });
});
