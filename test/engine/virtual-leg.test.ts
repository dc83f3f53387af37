import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualLeg } from "../../src/legs/virtual/virtual-leg.js";
import { SimulatedClock } from "../../src/time/clock.js";

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
