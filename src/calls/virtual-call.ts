import { newId } from "../contract/ids.js";
import type { CallOutcome } from "../engine/call.js";
import type { Engine } from "../engine/engine.js";
import type { TimelineListener } from "../engine/timeline.js";
import type { CallerScript } from "../legs/virtual/script.js";
import { VirtualLeg } from "../legs/virtual/virtual-leg.js";
import { type Clock, SimulatedClock } from "../time/clock.js";
import type { CallRouting } from "./inbound-route.js";

export interface VirtualCallRequest {
  /** The number's route (routeInbound), or an app's URL directly (directRouting). */
  routing: CallRouting;
  from: string;
  to: string;
  script: CallerScript;
  /** Run the whole call on simulated time. */
  fast: boolean;
  /** The simulated clock to run a fast call on, for a caller that times things on it too. */
  clock?: SimulatedClock;
}

export interface VirtualCallResult {
  outcome: CallOutcome;
  leg: VirtualLeg;
}

/** Places a virtual inbound call against an app: no phone, carrier or tunnel. */
export async function runVirtualCall(
  engine: Engine,
  request: VirtualCallRequest,
  onEvent: TimelineListener,
): Promise<VirtualCallResult> {
  const clock: Clock = request.fast ? (request.clock ?? new SimulatedClock(Date.now())) : engine.deps.clock;
  const leg = new VirtualLeg(clock, request.script);
  const { done } = engine.start(
    {
      ...request.routing,
      callId: newId("CA"),
      from: request.from,
      to: request.to,
      direction: "inbound",
      parentCallId: null,
      leg,
    },
    { clock, onCreated: (call) => call.onTimeline(onEvent) },
  );
  return { outcome: await done, leg };
}
