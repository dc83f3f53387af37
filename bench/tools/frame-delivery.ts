/**
 * What delivering a virtual caller's frames costs on a simulated clock, with nothing else in the
 * call: 30 s of frames per call to a listener that takes each one and does nothing, 32 calls at a
 * time, beside one far-off timer per call (as a call's maxDuration is).
 *
 *   node --import tsx bench/tools/frame-delivery.ts [--calls 400]
 *
 * A diagnostic for docs/virtual-calls.md, not one of the benchmarks: it prints, and saves nothing.
 */

import { VirtualLeg } from "../../src/legs/virtual/virtual-leg.js";
import { FRAME_MS } from "../../src/media/frame.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { numberOption } from "../lib/args.js";
import { timesLimited } from "../lib/limited.js";

const CALLS = numberOption("--calls", 400);
const CALL_MS = 30_000;
// The sleep that ends the call is due with the last frame, and was set first: it goes first.
const FRAMES = CALL_MS / FRAME_MS - 1;

async function oneCall(): Promise<void> {
  const clock = new SimulatedClock(0);
  const leg = new VirtualLeg(clock, {});
  let frames = 0;
  leg.listen({
    frame: () => {
      frames++;
      return true;
    },
    digit: () => undefined,
    hangup: () => undefined,
  });
  await leg.answer();
  const maxDuration = clock.setTimeout(() => undefined, 3_600_000);
  await clock.sleep(CALL_MS);
  leg.hangup();
  maxDuration.cancel();
  if (frames !== FRAMES) throw new Error(`a call delivered ${frames} frames, not ${FRAMES}`);
}

for (let round = 1; round <= 4; round++) {
  const started = performance.now();
  await timesLimited(CALLS, 32, oneCall);
  const nsPerFrame = ((performance.now() - started) * 1e6) / (CALLS * FRAMES);
  process.stdout.write(`round ${round}: ${Math.round(nsPerFrame)} ns per frame\n`);
}
