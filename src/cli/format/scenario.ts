import type { ScenarioCallResult, ScenarioEvent } from "../../calls/scenario.js";
import { formatEvent } from "./timeline.js";

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** A call's timeline line, named by the call and timed from the start of the run. */
export function formatScenarioEvent(line: ScenarioEvent, nameWidth: number): string {
  return `${line.call.padEnd(nameWidth)} ${formatEvent({ ...line.event, at: line.runAtMs })}`;
}

/** One line per call: how it ended, when (from the start of the run), and the recordings it made. */
export function formatScenarioSummary(calls: ScenarioCallResult[], nameWidth: number): string[] {
  return [
    "summary:",
    ...calls.map((call) => {
      const recordings = call.recordingIds.length ? call.recordingIds.join(", ") : "none";
      return (
        `  ${call.call.padEnd(nameWidth)} ${call.callId}  ${call.status} (${call.reason})  ` +
        `${seconds(call.startedAtMs)}-${seconds(call.endedAtMs)} s ` +
        `(${seconds(call.endedAtMs - call.startedAtMs)} s)  recordings: ${recordings}`
      );
    }),
  ];
}
