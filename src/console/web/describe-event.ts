import type { TimelineEvent } from "./types.js";

/** How a timeline row looks: its kind (colour) and what happened, in plain words. */
export interface Described {
  kind: "call" | "webhook" | "command" | "key" | "recording" | "error" | "conference";
  title: string;
  detail?: string;
  /** A call or conference the event names, for a link. */
  link?: { label: string; href: string };
}

const END_WORDS: Record<string, string> = {
  appHangup: "the app hung up (Hangup)",
  hangupCommand: "the app hung up (Hangup)",
  callerHangup: "the caller hung up",
  farEndHangup: "the caller hung up",
  appNoPercl: "the app answered with no PerCL",
  appInvalidPercl: "the app's PerCL was invalid",
  webhookFailed: "a webhook to the app failed",
  maxDuration: "the call reached its maximum duration",
};

export function describeEvent(event: TimelineEvent): Described {
  switch (event.type) {
    case "started":
      return {
        kind: "call",
        title: `Call started (${event.direction})`,
        detail: `${event.from} → ${event.to}`,
      };
    case "status":
      return { kind: "call", title: `Status: ${event.status}` };
    case "webhook": {
      const answer = event.status === null ? "no answer" : `HTTP ${event.status}`;
      return {
        kind: event.ok ? "webhook" : "error",
        title: `${event.requestType} webhook → ${answer} in ${event.latencyMs} ms`,
        detail: event.error ? `POST ${event.url} — ${event.error}` : `POST ${event.url}`,
      };
    }
    case "notification":
      return {
        kind: "webhook",
        title: `${event.requestType} notification sent`,
        detail: `POST ${event.url}`,
      };
    case "command":
      return {
        kind: "command",
        title: `PerCL #${event.index + 1}: ${event.name}`,
        ...(event.detail ? { detail: event.detail } : {}),
      };
    case "digit":
      return {
        kind: "key",
        title: event.digit === null ? "Key pressed (withheld: privacy mode)" : `Key pressed: ${event.digit}`,
      };
    case "sentDigits":
      return {
        kind: "key",
        title: event.digits === null ? "Digits sent (withheld)" : `Digits sent: ${event.digits}`,
      };
    case "getDigits":
      return {
        kind: "key",
        title: `GetDigits collected ${event.digits === null ? "(withheld: privacy mode)" : `"${event.digits}"`}`,
        detail: `ended by ${event.reason}`,
      };
    case "recordingStarted":
      return { kind: "recording", title: "Recording started", detail: event.recordingId };
    case "recording":
      return event.recordingId === null
        ? { kind: "recording", title: `No recording kept (${event.termReason})` }
        : {
            kind: "recording",
            title: `Recording stored: ${(event.durationMs / 1000).toFixed(1)} s (${event.termReason})`,
            detail: `${event.recordingId}, ${event.sizeBytes} bytes`,
            link: { label: "Listen", href: `#/recordings/${event.recordingId}` },
          };
    case "error":
      return { kind: "error", title: "Error", detail: event.message };
    case "conference":
      return {
        kind: "conference",
        title: `Conference ${event.event}`,
        detail: event.conferenceId,
        link: { label: "Conference", href: `#/conferences/${event.conferenceId}` },
      };
    case "parked":
      return { kind: "call", title: "Parked (on hold)" };
    case "unparked":
      return { kind: "call", title: `Unparked after ${event.parkTime} s (${event.parkResult})` };
    case "queue":
      return {
        kind: "call",
        title: `Queue ${event.event}${event.result ? ` (${event.result})` : ""}`,
        detail: event.queueId,
      };
    case "machineDetection":
      return { kind: "call", title: `Answering machine detection: ${event.verdict}`, detail: event.reason };
    case "outDial":
      return {
        kind: "call",
        title: `OutDial to ${event.to ?? "(withheld)"}`,
        link: { label: "Child call", href: `#/calls/${event.dialCallId}` },
      };
    case "ended":
      return {
        kind: event.status === "completed" || event.status === "canceled" ? "call" : "error",
        title: `Call ended: ${event.status}`,
        detail: END_WORDS[event.reason] ?? event.reason,
      };
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}
