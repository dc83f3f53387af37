import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_TIMERS_PER_TURN, RAN_TO_COMPLETION, SimulatedClock } from "../../src/time/clock.js";

/** Resolves after `ms` of real time: I/O the simulated clock knows nothing about. */
function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts event-loop turns (one per check phase) until stopped. */
function turnCounter() {
  let turn = 0;
  let running = true;
  const onTurn = () => {
    turn++;
    if (running) setImmediate(onTurn);
  };
  setImmediate(onTurn);
  return {
    now: () => turn,
    stop: () => {
      running = false;
    },
  };
}

/** How many timers fired in each turn that fired any, in order. */
function perTurn(turns: number[]): number[] {
  const counts = new Map<number, number>();
  for (const turn of turns) counts.set(turn, (counts.get(turn) ?? 0) + 1);
  return [...counts.values()];
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

  test("after a timer that ran to completion the next due one fires in the same turn, up to a bound", async () => {
    const clock = new SimulatedClock(0);
    const turns = turnCounter();
    const firedIn: number[] = [];
    const firedAt: number[] = [];
    for (let i = 1; i <= 120; i++) {
      clock.setTimeout(() => {
        firedIn.push(turns.now());
        firedAt.push(clock.now());
        return RAN_TO_COMPLETION;
      }, i * 20);
    }
    assert.equal(await clock.sleep(121 * 20), true);
    turns.stop();
    assert.deepEqual(
      firedAt,
      Array.from({ length: 120 }, (_, i) => (i + 1) * 20),
    );
    assert.deepEqual(perTurn(firedIn), [
      MAX_TIMERS_PER_TURN,
      MAX_TIMERS_PER_TURN,
      120 - 2 * MAX_TIMERS_PER_TURN,
    ]);
  });

  test("any other timer ends the turn, so what it set in motion runs before the next timer", async () => {
    const clock = new SimulatedClock(0);
    const turns = turnCounter();
    const firedIn: number[] = [];
    const order: string[] = [];
    clock.setTimeout(() => {
      firedIn.push(turns.now());
      void Promise.resolve().then(() => order.push("microtask of the first"));
    }, 20);
    clock.setTimeout(() => {
      firedIn.push(turns.now());
      order.push("second");
      return RAN_TO_COMPLETION;
    }, 40);
    assert.equal(await clock.sleep(60), true);
    turns.stop();
    assert.deepEqual(order, ["microtask of the first", "second"]);
    assert.deepEqual(perTurn(firedIn), [1, 1]);
  });

  test("a turn stops at tracked work even when the timer that began it claims to have run to completion", async () => {
    const clock = new SimulatedClock(0);
    const order: string[] = [];
    clock.setTimeout(() => {
      void clock.track(realDelay(5)).then(() => order.push(`work@${clock.now()}`));
      return RAN_TO_COMPLETION;
    }, 20);
    clock.setTimeout(() => {
      order.push(`next@${clock.now()}`);
    }, 40);
    assert.equal(await clock.sleep(60), true);
    assert.deepEqual(order, ["work@20", "next@40"]);
  });
  test("advanceWithin moves a timer callback on in time only when nothing else is due by then", async () => {
    const clock = new SimulatedClock(0);
    const answers: Array<[number, boolean, number]> = [];
    const ask = (at: number) => answers.push([at, clock.advanceWithin(at), clock.now()]);
    clock.setTimeout(() => {
      ask(30); // nothing due by 30: yes
      ask(50); // the timer at 50 goes first: no
      ask(60); // nor past it
      return RAN_TO_COMPLETION;
    }, 20);
    clock.setTimeout(() => undefined, 50);
    ask(5); // outside a timer callback: no
    assert.equal(await clock.sleep(100), true);
    assert.deepEqual(answers, [
      [5, false, 0],
      [30, true, 30],
      [50, false, 30],
      [60, false, 30],
    ]);
  });

  test("advanceWithin says no while tracked work is pending, and shares the turn's bound with timers", async () => {
    const clock = new SimulatedClock(0);
    const turns = turnCounter();
    let pendingAnswer: boolean | undefined;
    clock.setTimeout(() => {
      void clock.track(realDelay(1));
      pendingAnswer = clock.advanceWithin(25);
    }, 20);
    await clock.sleep(40);
    assert.equal(pendingAnswer, false);
    // One callback going on by advanceWithin for 120 frames: 50 to a turn, as timers would be.
    const movedIn: number[] = [];
    const movedAt: number[] = [];
    const start = clock.now();
    clock.setTimeout(() => {
      let frame = 1;
      do {
        movedIn.push(turns.now());
        movedAt.push(clock.now() - start);
        frame++;
      } while (frame <= 120 && clock.advanceWithin(start + frame * 20));
      return RAN_TO_COMPLETION;
    }, 20);
    await clock.sleep(121 * 20);
    turns.stop();
    assert.equal(movedAt.length, MAX_TIMERS_PER_TURN, "the callback stops where the turn's bound does");
    assert.deepEqual(
      movedAt,
      Array.from({ length: MAX_TIMERS_PER_TURN }, (_, i) => (i + 1) * 20),
    );
    assert.deepEqual(perTurn(movedIn), [MAX_TIMERS_PER_TURN]);
  });
});
