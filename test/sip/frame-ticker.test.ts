import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { SimulatedClock } from "../../src/engine/clock.js";
import { FrameTicker } from "../../src/legs/sip/rtp/frame-ticker.js";

const T0 = 1_000_000;

/** Runs the simulated clock to just past `until`, so every timer due at `until` has fired. */
async function runUntil(clock: SimulatedClock, until: number): Promise<void> {
  await clock.sleep(until - clock.now() + 1);
}

describe("FrameTicker", () => {
  test("each member is called every 20 ms at its own phase, with one timer for all of them", async () => {
    const clock = new SimulatedClock(T0);
    const ticker = new FrameTicker(clock, pino({ level: "silent" }));
    const calls: Record<string, number[]> = { a: [], b: [], c: [] };
    const stops = [ticker.add(() => calls.a?.push(clock.now() - T0), T0)];
    await runUntil(clock, T0 + 7);
    stops.push(ticker.add(() => calls.b?.push(clock.now() - T0), T0 + 7));
    stops.push(ticker.add(() => calls.c?.push(clock.now() - T0), T0 + 7));
    assert.equal(ticker.size, 3);
    assert.equal(clock.pendingTimers(), 1, "one timer for all three");
    await runUntil(clock, T0 + 100);
    assert.deepEqual(calls.a, [20, 40, 60, 80, 100]);
    // Members added between wake-ups may be called once early (harmless: they check what is due).
    for (const name of ["b", "c"] as const) {
      const onPhase = (calls[name] ?? []).filter((at) => at % 20 === 7);
      assert.deepEqual(onPhase, [27, 47, 67, 87], `${name} at its phase`);
    }
    // Members left in would keep the simulated clock stepping for ever.
    for (const stop of stops) stop();
  });

  test("a removed member is not called again; with no members the timer stops", async () => {
    const clock = new SimulatedClock(T0);
    const ticker = new FrameTicker(clock, pino({ level: "silent" }));
    const at: number[] = [];
    const stop = ticker.add(() => at.push(clock.now() - T0), T0);
    await runUntil(clock, T0 + 45);
    stop();
    stop(); // twice is harmless
    assert.equal(ticker.size, 0);
    assert.equal(clock.pendingTimers(), 0);
    await clock.sleep(100);
    assert.deepEqual(at, [20, 40]);
  });

  test("a member that throws does not stop the others", async () => {
    const clock = new SimulatedClock(T0);
    const errors: unknown[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => errors.push(JSON.parse(line)) });
    const ticker = new FrameTicker(clock, logger);
    const at: number[] = [];
    const stops = [
      ticker.add(() => {
        throw new Error("bug");
      }, T0),
      ticker.add(() => at.push(clock.now() - T0), T0),
    ];
    await runUntil(clock, T0 + 40);
    for (const stop of stops) stop();
    assert.deepEqual(at, [20, 40]);
    assert.equal(errors.length, 2);
  });

  test("a wake-up that comes late calls every phase it passed, once", () => {
    // A clock whose one pending timer the test fires by hand, as late as it likes.
    let now = T0;
    let pending: (() => void) | undefined;
    const clock = {
      now: () => now,
      setTimeout(fn: () => void) {
        pending = fn;
        return { cancel: () => (pending = undefined) };
      },
      sleep: async () => true,
      track: <T>(work: Promise<T>) => work,
    };
    const ticker = new FrameTicker(clock, pino({ level: "silent" }));
    const calls: number[] = [];
    for (const phase of [0, 5, 10, 15]) ticker.add(() => calls.push(phase), T0 + phase);
    calls.length = 0;
    now = T0 + 12; // the wake-up meant for 5 comes 7 ms late: 5 and 10 are due
    pending?.();
    assert.deepEqual(calls, [5, 10]);
    calls.length = 0;
    now = T0 + 80; // held up for over a whole frame: each phase once, oldest first
    pending?.();
    assert.deepEqual(calls, [5, 10, 15, 0]);
  });
});
