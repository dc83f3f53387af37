/**
 * Several calls in one engine on one simulated clock: an inbound VirtualLeg caller, and virtual
 * devices that OutDial reaches (real VirtualCallees, found by number). Only the app is scripted,
 * as in harness.ts: the customer's app is genuinely outside Belay.
 */
import assert from "node:assert/strict";
import { newId } from "../../src/contract/ids.js";
import type { Call, CallOutcome } from "../../src/engine/call.js";
import type { Engine } from "../../src/engine/engine.js";
import type { Dialer } from "../../src/engine/ports.js";
import type { TimelineEvent } from "../../src/engine/timeline.js";
import type { CallerScript } from "../../src/legs/virtual/script.js";
import { type CalleeAnswer, VirtualCallee } from "../../src/legs/virtual/virtual-callee.js";
import { VirtualLeg } from "../../src/legs/virtual/virtual-leg.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { type AppRequest, appUrl, type EngineHarness, FROM, type Route, ScriptedApp, TO } from "./harness.js";

export interface Device {
  script: CallerScript;
  answers: CalleeAnswer;
}

export interface PartyRun {
  engine: Engine;
  clock: SimulatedClock;
  requests: AppRequest[];
  caller: VirtualLeg;
  callerId: string;
  outcome: CallOutcome;
  /** The devices' legs by number, as OutDial reached them. */
  devices: Map<string, VirtualCallee>;
  /** Every call's outcome by call id, the caller's included. */
  outcomes: Map<string, CallOutcome>;
  timelines: Map<string, TimelineEvent[]>;
}

/** Runs an inbound call (its PerCL from /voice) and every call it dials, until all have ended. */
export async function runParty(
  h: EngineHarness,
  options: {
    routes: Record<string, Route>;
    caller: CallerScript;
    devices: Record<string, Device>;
    /** Sees each call as it is created (to act on its timeline). */
    onCall?: (call: Call, engine: Engine) => void;
  },
): Promise<PartyRun> {
  const clock = new SimulatedClock(0);
  const app = new ScriptedApp(options.routes, clock);
  const devices = new Map<string, VirtualCallee>();
  const dialer: Dialer = {
    async outboundLeg(request) {
      const device = options.devices[request.to];
      const leg = device
        ? new VirtualCallee(request.clock, device.script, device.answers, { keepHeard: true })
        : new VirtualCallee(request.clock, {}, { kind: "unreachable", message: `no device ${request.to}` });
      devices.set(request.to, leg);
      return leg;
    },
  };
  const outcomes = new Map<string, CallOutcome>();
  const timelines = new Map<string, TimelineEvent[]>();
  const pending: Array<Promise<CallOutcome>> = [];
  const engine = h.engine(clock, app, { dialer });
  const caller = new VirtualLeg(clock, options.caller, { keepHeard: true });
  const callerId = newId("CA");
  const watch = (call: Call) => {
    const timeline: TimelineEvent[] = [];
    timelines.set(call.id, timeline);
    call.onTimeline((event) => timeline.push(event));
    options.onCall?.(call, engine);
  };
  const original = engine.start.bind(engine);
  // Every call the engine starts (the caller's OutDials too) is watched and awaited.
  engine.start = (spec, startOptions = {}) => {
    const started = original(spec, { ...startOptions, onCreated: (call) => watch(call) });
    pending.push(
      started.done.then((outcome) => {
        outcomes.set(outcome.callId, outcome);
        return outcome;
      }),
    );
    return started;
  };
  const { done } = engine.start(
    {
      accountId: h.accountId,
      callId: callerId,
      from: FROM,
      to: TO,
      direction: "inbound",
      parentCallId: null,
      applicationId: null,
      phoneNumberId: null,
      firstUrl: appUrl("/voice"),
      fallbackUrl: null,
      statusCallbackUrl: appUrl("/status"),
      leg: caller,
    },
    { clock },
  );
  const outcome = await done;
  // Calls dialled later are in `pending` by now or start from ones that are.
  for (let seen = 0; seen < pending.length; seen = pending.length) await Promise.all(pending);
  await engine.conferences.drained();
  assert.equal(clock.pendingTimers(), 0, "nothing is left running");
  return { engine, clock, requests: app.requests, caller, callerId, outcome, devices, outcomes, timelines };
}
