import type { TimelineEvent } from "../../engine/timeline.js";

const WITHHELD = "withheld: privacyMode";

const seconds = (ms: number) => (ms / 1000).toFixed(3).padStart(8);

/** One readable line per timeline event, as `belay call` prints them. */
export function formatEvent(event: TimelineEvent): string {
  return `${seconds(event.at)}  ${describe(event)}`;
}

function describe(event: TimelineEvent): string {
  switch (event.type) {
    case "started":
      return `call ${event.callId} ${event.from} → ${event.to} (${event.direction})`;
    case "status":
      return `status ${event.status}`;
    case "webhook": {
      const result = event.ok ? `${event.status}` : `FAILED${event.status ? ` ${event.status}` : ""}`;
      const line = `webhook ${event.requestType} → ${event.url}  ${result}  ${Math.round(event.latencyMs)} ms`;
      return event.error ? `${line}\n          ${event.error}` : line;
    }
    case "notification":
      return `webhook ${event.requestType} → ${event.url}  queued for delivery`;
    case "command":
      return `PerCL ${event.name}${event.detail ? ` ${event.detail}` : ""}`;
    case "digit":
      return event.digit === null ? `caller pressed a key (${WITHHELD})` : `caller pressed ${event.digit}`;
    case "sentDigits":
      return event.digits === null ? `sent digits (${WITHHELD})` : `sent digits ${event.digits}`;
    case "recordingStarted":
      return `recording ${event.recordingId} started`;
    case "recording":
      return event.recordingId
        ? `recording ${event.recordingId}: ${event.durationMs} ms (${event.durationSec} s), ${event.sizeBytes} bytes, termReason ${event.termReason}`
        : `no recording (no speech), termReason ${event.termReason}`;
    case "getDigits":
      return event.digits === null
        ? `digits (${WITHHELD}) (${event.reason})`
        : `digits "${event.digits}" (${event.reason})`;
    case "error":
      return `error: ${event.message}`;
    case "conference":
      return `conference ${event.conferenceId} ${event.event}`;
    case "parked":
      return "parked";
    case "unparked":
      return `unparked (${event.parkResult}) after ${event.parkTime} s`;
    case "queue":
      return `queue ${event.queueId} ${event.event}${event.result ? ` (${event.result})` : ""}`;
    case "machineDetection":
      return `answered by ${event.machineType ?? (event.verdict === "human" ? "a human" : "no one recognised (taken as a human)")}: ${event.reason}`;
    case "outDial":
      return `dialling ${event.to ?? `(${WITHHELD})`} as call ${event.dialCallId}`;
    case "ended":
      return `ended: ${event.status} (${event.reason})`;
  }
}
