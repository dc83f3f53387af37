import { newId } from "../contract/ids.js";
import type { Call, CallOutcome, CallRun } from "../engine/call.js";
import type { Engine } from "../engine/engine.js";
import type { Dialer } from "../engine/ports.js";
import type { TimelineEvent } from "../engine/timeline.js";
import type { CallerScript } from "../legs/virtual/script.js";
import { type CalleeAnswer, VirtualCallee } from "../legs/virtual/virtual-callee.js";
import { VirtualLeg } from "../legs/virtual/virtual-leg.js";
import { type Clock, SimulatedClock } from "../time/clock.js";
import type { CallRouting } from "./inbound-route.js";

/** A virtual caller of a scenario: its call comes in `startAtMs` after the run starts. */
export interface ScenarioCaller {
  name: string;
  from: string;
  to: string;
  routing: CallRouting;
  startAtMs: number;
  /** Timed from the moment the call connects. */
  script: CallerScript;
}

/** A virtual device of a scenario: the number the run's OutDials reach, and how it takes a call. */
export interface ScenarioDevice {
  name: string;
  number: string;
  answers: CalleeAnswer;
  /** Timed from the moment it answers. */
  script: CallerScript;
}

export interface Scenario {
  callers: ScenarioCaller[];
  devices: ScenarioDevice[];
  /** Every call of the run on one simulated clock (else Belay's real one). */
  fast: boolean;
}

/** One timeline event of one call of the run; `runAtMs` counts from the start of the run. */
export interface ScenarioEvent {
  call: string;
  callId: string;
  runAtMs: number;
  event: TimelineEvent;
}

/** How one call of the run ended. `call` names it: the caller's or device's name, or the number dialled. */
export interface ScenarioCallResult extends CallOutcome {
  call: string;
  parentCallId: string | null;
  /** When the call started and ended, from the start of the run. */
  startedAtMs: number;
  endedAtMs: number;
  /** Recordings the call made (RecordUtterance), in order. */
  recordingIds: string[];
}

export interface ScenarioResult {
  calls: ScenarioCallResult[];
}

/**
 * Runs every caller of the scenario at its time, and every call their apps dial, until all have
 * ended. OutDials to a scenario device reach it; any other number goes where the engine's own
 * dialer sends it (a device in the store, SIP). `signal` ends the run: calls not yet started never
 * start, live ones are hung up as by their far end.
 */
export async function runScenario(
  engine: Engine,
  scenario: Scenario,
  onEvent: (event: ScenarioEvent) => void,
  signal?: AbortSignal,
): Promise<ScenarioResult> {
  const clock: Clock = scenario.fast ? new SimulatedClock(Date.now()) : engine.deps.clock;
  const runStart = clock.now();
  const names = new CallNames(scenario);
  // Each call's result, in the order the calls started.
  const results: ScenarioCallResult[] = [];
  const live = new Map<string, Call>();
  const ends: Array<Promise<void>> = [];
  const callerNames = new Map<string, string>();

  const run: CallRun = {
    dialer: scenarioDialer(scenario.devices, engine.deps.dialer),
    onCall(call, done) {
      const name = callerNames.get(call.id) ?? names.forDialled(call.facts.to);
      const startedAtMs = clock.now() - runStart;
      const recordingIds: string[] = [];
      const slot = results.length;
      results.length++;
      live.set(call.id, call);
      // One a script dialled as the run was abandoned goes the way of the others.
      if (signal?.aborted) call.hangup("farEndHangup");
      call.onTimeline((event) => {
        if (event.type === "recording" && event.recordingId) recordingIds.push(event.recordingId);
        onEvent({ call: name, callId: call.id, runAtMs: startedAtMs + event.at, event });
      });
      const settle = (outcome: CallOutcome) => {
        live.delete(call.id);
        results[slot] = {
          call: name,
          parentCallId: call.facts.parentCallId,
          ...outcome,
          startedAtMs,
          endedAtMs: clock.now() - runStart,
          recordingIds,
        };
      };
      ends.push(
        done.then(settle, (err: unknown) =>
          settle({ callId: call.id, status: "failed", reason: "internalError", message: String(err) }),
        ),
      );
    },
  };

  const hangUpAll = () => {
    for (const call of live.values()) call.hangup("farEndHangup");
  };
  signal?.addEventListener("abort", hangUpAll, { once: true });
  try {
    await Promise.all(
      scenario.callers.map(
        (caller) =>
          new Promise<void>((resolve) => {
            if (signal?.aborted) return resolve();
            const timer = clock.setTimeout(() => {
              signal?.removeEventListener("abort", skip);
              if (!signal?.aborted) startCaller(engine, caller, clock, run, callerNames);
              resolve();
            }, caller.startAtMs);
            const skip = () => {
              timer.cancel();
              resolve();
            };
            signal?.addEventListener("abort", skip, { once: true });
          }),
      ),
    );
    // A call may dial more while it runs: wait until no call of the run is left.
    for (let seen = 0; seen < ends.length; ) {
      const batch = ends.slice(seen);
      seen = ends.length;
      await Promise.all(batch);
    }
  } finally {
    signal?.removeEventListener("abort", hangUpAll);
  }
  return { calls: results };
}

function startCaller(
  engine: Engine,
  caller: ScenarioCaller,
  clock: Clock,
  run: CallRun,
  callerNames: Map<string, string>,
): void {
  const callId = newId("CA");
  callerNames.set(callId, caller.name);
  engine.start(
    {
      ...caller.routing,
      callId,
      from: caller.from,
      to: caller.to,
      direction: "inbound",
      parentCallId: null,
      leg: new VirtualLeg(clock, caller.script),
      run,
    },
    { clock },
  );
}

/** The run's devices by number first; any other number where the engine's dialer sends it. */
export function scenarioDialer(devices: ScenarioDevice[], fallback: Dialer | undefined): Dialer {
  const byNumber = new Map(devices.map((device) => [device.number, device]));
  return {
    async outboundLeg(request) {
      const device = byNumber.get(request.to);
      if (device) return new VirtualCallee(request.clock, device.script, device.answers);
      if (fallback) return fallback.outboundLeg(request);
      return new VirtualCallee(
        request.clock,
        {},
        {
          kind: "unreachable",
          message: `${request.to} is not a device of the scenario, and this Belay places no other calls`,
        },
      );
    },
  };
}

/** Names calls for the run's output: a device's name for each call to it, `(2)` on the second. */
class CallNames {
  private readonly deviceNames: Map<string, string>;
  private readonly dialled = new Map<string, number>();

  constructor(scenario: Scenario) {
    this.deviceNames = new Map(scenario.devices.map((d) => [d.number, d.name]));
  }

  forDialled(number: string): string {
    const base = this.deviceNames.get(number) ?? number;
    const count = (this.dialled.get(base) ?? 0) + 1;
    this.dialled.set(base, count);
    return count === 1 ? base : `${base} (${count})`;
  }
}
