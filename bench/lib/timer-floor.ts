/**
 * The conference capacity step's limit: the same timers with no work in them. One 20 ms timer per
 * conference and one per participant, on RealClock with the same fixed schedules and phases as the
 * mixers and legs, each doing nothing but set its next. How late the "conference" timers fire is
 * what this process and this machine give any 20 ms schedule at that many timers; a mixer can only
 * be later.
 */
import { FRAME_MS } from "../../src/media/frame.js";
import { RealClock, type Timer } from "../../src/time/clock.js";
import { Lateness, preciseNow } from "./lateness.js";

class EmptySchedule {
  private origin = 0;
  private taken = 0;
  private timer: Timer | undefined;
  private readonly onTimer = () => this.run();

  constructor(
    private readonly clock: RealClock,
    private readonly lateness: Lateness | undefined,
  ) {}

  start(): void {
    this.origin = this.clock.now();
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(
      this.onTimer,
      this.origin + (this.taken + 1) * FRAME_MS - this.clock.now(),
    );
  }

  private run(): void {
    const firedAt = preciseNow();
    // As the mixer does: every slot owed, each one's lateness against its own due time.
    while (this.origin + (this.taken + 1) * FRAME_MS <= this.clock.now()) {
      this.lateness?.add(firedAt - (this.origin + (this.taken + 1) * FRAME_MS));
      this.taken++;
    }
    this.schedule();
  }
}

export interface TimerFloor {
  latenessP99Ms: number;
  latenessMaxMs: number;
  skippedTicks: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureTimerFloor(
  conferences: number,
  participants: number,
  warmupMs: number,
  measureMs: number,
): Promise<TimerFloor> {
  const clock = new RealClock();
  const lateness = new Lateness();
  const schedules: EmptySchedule[] = [];
  for (let c = 0; c < conferences; c++)
    setTimeout(
      () => {
        const conference = new EmptySchedule(clock, lateness);
        conference.start();
        schedules.push(conference);
      },
      (c * FRAME_MS) / conferences,
    );
  for (let p = 0; p < participants; p++)
    setTimeout(
      () => {
        const leg = new EmptySchedule(clock, undefined);
        leg.start();
        schedules.push(leg);
      },
      (p * 7) % FRAME_MS,
    );
  await sleep(warmupMs);
  lateness.recording = true;
  await sleep(measureMs);
  lateness.recording = false;
  for (const s of schedules) s.stop();
  return {
    latenessP99Ms: lateness.percentile(99),
    latenessMaxMs: lateness.max,
    skippedTicks: lateness.skipped,
  };
}
