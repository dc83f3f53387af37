/**
 * The conference interop tests' app and checks: the agent flow's routes, webhook validation
 * against FreeClimb's OpenAPI, and finding a clip in what a peer heard.
 */
import assert from "node:assert/strict";
import { type AppAnswer, type AppHit, openApiErrors } from "../e2e/harness.js";
import { NUMBER, type SipBelay } from "./belay.js";
import { type Alignment, align } from "./correlate.js";

export const AGENT = "+15557770000";
/** FreeClimb's schema for each webhook Belay sends in these flows. */
const SCHEMAS: Record<string, string> = {
  inboundCall: "InboundCallWebhook",
  createConference: "CreateConferenceWebhook",
  outDialStart: "OutDialStartWebhook",
  outDialConnect: "OutDialConnectWebhook",
  addToConferenceNotification: "AddToConferenceNotificationWebhook",
  conferenceStatus: "ConferenceStatusWebhook",
  conferenceRecordingStatus: "ConferenceRecordingStatusWebhook",
  leaveConference: "LeaveConferenceWebhook",
  callStatus: "CallStatusWebhook",
};

export function silence(ms: number): Int16Array {
  return new Int16Array(ms * 8);
}

export function joined(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Every webhook the app received is FreeClimb's shape for its requestType. */
export function assertWebhooksValid(hits: AppHit[]): void {
  for (const hit of hits) {
    const type = String(hit.body.requestType);
    const schema = SCHEMAS[type];
    assert.ok(schema, `a webhook this test does not expect: ${hit.rawBody}`);
    assert.deepEqual(openApiErrors(schema, hit.body), [], `${type} to ${hit.path} matches ${schema}`);
  }
}

/** Where `clip` is in `signal`, and how alike: the whole clip must lie inside the signal. */
export function find(signal: Int16Array, clip: Int16Array): Alignment {
  return align(signal, clip, { minLag: 0, minOverlap: clip.length });
}

/** The first request to `route` of `requestType`, waiting up to `timeoutMs` for each request. */
export async function webhookOfType(belay: SipBelay, route: string, requestType: string, timeoutMs: number) {
  for (let from = 0; ; ) {
    const hit = await belay.webhook(route, timeoutMs, from);
    if (hit.body.requestType === requestType) return hit;
    from = belay.app.hits.indexOf(hit) + 1;
  }
}

export const ms = (samples: number) => Math.round(samples / 8);

/**
 * The app of the agent flow: the caller's call creates a conference and dials the agent; the
 * caller's outDialStart and the agent's outDialConnect both answer AddToConference.
 */
export function agentFlow(options: {
  record: boolean;
  playBeep?: "always" | "never";
  agentWaitsMs?: number;
}) {
  let conferenceId = "";
  const routes: Record<string, (hit: AppHit, base: string) => AppAnswer> = {
    "/voice": (_hit, base) => ({
      body: [
        {
          CreateConference: {
            actionUrl: `${base}/created`,
            statusCallbackUrl: `${base}/conference`,
            playBeep: options.playBeep ?? "never",
            record: options.record,
          },
        },
      ],
    }),
    "/created": (hit, base) => {
      conferenceId = String(hit.body.conferenceId);
      return {
        body: [
          {
            OutDial: {
              destination: AGENT,
              callingNumber: NUMBER,
              actionUrl: `${base}/dialled`,
              callConnectUrl: `${base}/connect`,
              statusCallbackUrl: `${base}/agent-status`,
              timeout: 20,
            },
          },
        ],
      };
    },
    "/dialled": () => ({ body: [{ AddToConference: { conferenceId } }] }),
    "/connect": (_hit, base) => ({
      body: [
        ...(options.agentWaitsMs ? [{ Pause: { length: options.agentWaitsMs } }] : []),
        {
          AddToConference: {
            conferenceId,
            notificationUrl: `${base}/agent-joined`,
            leaveConferenceUrl: `${base}/agent-left`,
          },
        },
      ],
    }),
  };
  // A participant that leaves while its call is up (removed, the conference ended) is continued here.
  routes["/agent-left"] = () => ({ body: [{ Hangup: {} }] });
  return { routes, conferenceId: () => conferenceId };
}
