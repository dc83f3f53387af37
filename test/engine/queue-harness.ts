/**
 * Several inbound callers in one engine on one simulated clock, each calling in at its own time:
 * a queue's waiting callers and the agents who take them. Only the app is scripted, as in
 * harness.ts: the customer's app is genuinely outside Belay.
 */
import assert from "node:assert/strict";
import { newId } from "../../src/contract/ids.js";
import { webhookSchema } from "../../src/contract/webhooks.js";
import type { CallOutcome } from "../../src/engine/call.js";
import type { Engine } from "../../src/engine/engine.js";
import type { WebhookBody } from "../../src/engine/ports.js";
import type { TimelineEvent } from "../../src/engine/timeline.js";
import type { CallerScript } from "../../src/legs/virtual/script.js";
import { VirtualLeg } from "../../src/legs/virtual/virtual-leg.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { validate } from "../helpers/openapi.js";
import { type AppRequest, appUrl, type EngineHarness, type Route, ScriptedApp, TO } from "./harness.js";

export interface Caller {
  /** When it calls in, ms on the clock; its script's times count from its answer. */
  startAtMs: number;
  script: CallerScript;
  /** Where its first PerCL comes from; default /voice. */
  voicePath?: string;
}

/** Names the callers before they call, so routes can tell them apart by callId. */
export class Roster<N extends string> {
  private readonly ids = new Map<N, string>();
  private readonly names = new Map<string, N>();

  constructor(names: readonly N[]) {
    for (const name of names) {
      const callId = newId("CA");
      this.ids.set(name, callId);
      this.names.set(callId, name);
    }
  }

  id(name: N): string {
    const callId = this.ids.get(name);
    assert.ok(callId, `no caller ${name}`);
    return callId;
  }

  /** The caller a webhook body is about. */
  of(body: WebhookBody): N {
    const name = this.names.get(String(body.callId));
    assert.ok(name, `a webhook about an unknown call ${String(body.callId)}`);
    return name;
  }
}

export interface QueueRun<N extends string> {
  engine: Engine;
  clock: SimulatedClock;
  requests: AppRequest[];
  legs: Record<N, VirtualLeg>;
  outcomes: Record<N, CallOutcome>;
  timelines: Record<N, TimelineEvent[]>;
}

/**
 * Runs every caller until all have ended. `setup` runs before the first call, with the engine
 * and its clock (to schedule what the REST API would do at a given time).
 */
export async function runCallers<N extends string>(
  h: EngineHarness,
  roster: Roster<N>,
  options: {
    routes: Record<string, Route>;
    callers: Record<N, Caller>;
    setup?: (engine: Engine, clock: SimulatedClock) => void;
  },
): Promise<QueueRun<N>> {
  const clock = new SimulatedClock(0);
  const app = new ScriptedApp(options.routes, clock);
  const engine = h.engine(clock, app);
  options.setup?.(engine, clock);
  const names = Object.keys(options.callers) as N[];
  const legs = {} as Record<N, VirtualLeg>;
  const timelines = {} as Record<N, TimelineEvent[]>;
  const finished = names.map(
    (name) =>
      new Promise<[N, CallOutcome]>((resolve, reject) => {
        const caller = options.callers[name];
        const leg = new VirtualLeg(clock, caller.script, { keepHeard: true });
        legs[name] = leg;
        const timeline: TimelineEvent[] = [];
        timelines[name] = timeline;
        clock.setTimeout(() => {
          const { done } = engine.start(
            {
              accountId: h.accountId,
              callId: roster.id(name),
              from: `+1555000${String(names.indexOf(name)).padStart(4, "0")}`,
              to: TO,
              direction: "inbound",
              parentCallId: null,
              applicationId: null,
              phoneNumberId: null,
              firstUrl: appUrl(caller.voicePath ?? "/voice"),
              fallbackUrl: null,
              statusCallbackUrl: appUrl("/status"),
              leg,
            },
            { clock, onCreated: (call) => call.onTimeline((event) => timeline.push(event)) },
          );
          done.then((outcome) => resolve([name, outcome]), reject);
        }, caller.startAtMs);
      }),
  );
  const outcomes = Object.fromEntries(await Promise.all(finished)) as Record<N, CallOutcome>;
  await engine.conferences.drained();
  assert.equal(clock.pendingTimers(), 0, "nothing is left running");
  return { engine, clock, requests: app.requests, legs, outcomes, timelines };
}

/** FreeClimb's schema for each webhook a queue flow sends. */
export const OPENAPI_SCHEMA: Record<string, string> = {
  inboundCall: "InboundCallWebhook",
  queueWait: "QueueWaitWebhook",
  addToQueueNotification: "AddToQueueNotificationWebhook",
  removeFromQueueNotification: "RemoveFromQueueNotificationWebhook",
  dequeue: "DequeueWebhook",
  getDigits: "GetDigitsWebhook",
  redirect: "RedirectWebhook",
  createConference: "CreateConferenceWebhook",
  conferenceStatus: "ConferenceStatusWebhook",
  conferenceRecordingStatus: "ConferenceRecordingStatusWebhook",
  leaveConference: "LeaveConferenceWebhook",
  callStatus: "CallStatusWebhook",
};

/** Fields FreeClimb's OpenAPI forgot to make nullable (test/contract/webhooks.test.ts). */
const NULLABLE_GAPS = new Set(["conferenceId", "parentCallId"]);

/** Errors of a body against FreeClimb's schema for its requestType, known nullable gaps aside. */
export function openapiErrors(body: WebhookBody): string[] {
  const schema = OPENAPI_SCHEMA[body.requestType];
  assert.ok(schema, `no OpenAPI schema listed for ${body.requestType}`);
  return validate(schema, body).filter((error) => {
    const field = /^\/(\w+) must be string$/.exec(error)?.[1];
    return !(field && NULLABLE_GAPS.has(field) && body[field] === null);
  });
}

/** Every body the app received is a valid Belay webhook and matches FreeClimb's schema for it. */
export function assertEmittedValid(requests: readonly AppRequest[]): void {
  for (const { body } of requests) {
    const parsed = webhookSchema.safeParse(body);
    assert.ok(parsed.success, `${body.requestType}: ${parsed.error?.message} in ${JSON.stringify(body)}`);
    assert.deepEqual(openapiErrors(body), [], `${body.requestType} matches FreeClimb's schema`);
  }
}

/** The requests about one caller, in order. */
export function requestsOf<N extends string>(run: QueueRun<N>, roster: Roster<N>, name: N): AppRequest[] {
  return run.requests.filter((r) => r.body.callId === roster.id(name));
}
