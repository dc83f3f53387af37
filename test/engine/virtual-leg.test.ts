import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualLeg } from "../../src/legs/virtual/virtual-leg.js";
import { type Clock, SimulatedClock } from "../../src/time/clock.js";

describe("VirtualLeg on a simulated clock", () => {
  test("frames that follow each other in one callback keep their own times around other timers", async () => {
    const clock = new SimulatedClock(0);
    const leg = new VirtualLeg(clock, { dtmf: [{ keys: "5", atMs: 150 }], hangupAtMs: 200 });
    const seen: string[] = [];
    let hungUp = false;
    leg.listen({
      frame: () => {
        seen.push(`frame@${clock.now()}`);
        return true;
      },
      digit: (key) => seen.push(`key ${key}@${clock.now()}`),
      hangup: () => {
        hungUp = true;
      },
    });
    clock.setTimeout(() => void seen.push(`timer@${clock.now()}`), 90);
    // Set before the frame due at 100 could be: it fires first.
    clock.setTimeout(() => void seen.push(`timer@${clock.now()}`), 100);
    await leg.answer();
    await clock.sleep(300);
    assert.ok(hungUp);
    assert.deepEqual(seen, [
      "frame@20",
      "frame@40",
      "frame@60",
      "frame@80",
      "timer@90",
      "timer@100",
      "frame@100",
      "frame@120",
      "frame@140",
      // A key pressed inside a frame's window comes just before that frame.
      "key 5@160",
      "frame@160",
      "frame@180",
      "frame@200",
    ]);
  });
});

describe("VirtualLeg on a clock whose timers fire late", () => {
  test("each frame is handed up with the time it is due on the leg's schedule, not when its timer fired", async () => {
    const simulated = new SimulatedClock(0);
    // Every timer 7 ms late, as a loaded event loop has them: what a conference must not be misled by.
    const late: Clock = {
      now: () => simulated.now(),
      setTimeout: (fn, ms) => simulated.setTimeout(fn, ms + 7),
      sleep: (ms, signal) => simulated.sleep(ms, signal),
      track: (work) => simulated.track(work),
      advanceWithin: () => false,
    };
    const leg = new VirtualLeg(late, { hangupAtMs: 100 });
    const times: Array<[number | undefined, number]> = [];
    leg.listen({
      frame: (_frame, dueAt) => {
        times.push([dueAt, simulated.now()]);
        return false;
      },
      digit: () => undefined,
      hangup: () => undefined,
    });
    await leg.answer();
    await simulated.sleep(300);
    assert.deepEqual(
      times.map(([dueAt]) => dueAt),
      [20, 40, 60, 80, 100],
    );
    assert.ok(
      times.every(([dueAt, at]) => at > (dueAt as number)),
      "the timers did fire late",
    );
  });
});
