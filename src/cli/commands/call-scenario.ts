import type { ScenarioLine } from "../../api/routes/scenarios.js";
import type { ScenarioCallResult, ScenarioEvent } from "../../calls/scenario.js";
import { BelayError } from "../../errors.js";
import { FAILURE_REASONS } from "../call-failures.js";
import { formatScenarioEvent, formatScenarioSummary } from "../format/scenario.js";
import { ndjsonLines } from "../ndjson.js";
import { readScenarioFile } from "../scenario-file.js";
import { apiFetch, closeTarget, resolveTarget, type TargetOptions } from "../target.js";

export interface ScenarioFlags extends Omit<TargetOptions, "port" | "fast"> {
  scenario: string;
  appUrl?: string;
  statusUrl?: string;
  fast?: boolean;
  json?: boolean;
}

/** Names are at least this wide in the output, so numbers dialled outside the scenario line up too. */
const MIN_NAME_WIDTH = 12;

/**
 * `belay call --scenario FILE`: runs the file's callers and devices on one clock, prints every
 * call's timeline as it happens and a summary. Exit 1 when a call failed (as `belay call`).
 */
export async function runScenarioFile(flags: ScenarioFlags): Promise<number> {
  const body = await readScenarioFile(flags.scenario, flags.fast === true, {
    ...(flags.appUrl ? { appUrl: flags.appUrl } : {}),
    ...(flags.statusUrl ? { statusUrl: flags.statusUrl } : {}),
  });
  const names = [
    ...body.callers.map((c, i) => c.name ?? `caller-${i + 1}`),
    ...(body.devices ?? []).map((d) => d.name ?? d.number),
  ];
  const width = Math.max(MIN_NAME_WIDTH, ...names.map((n) => n.length));
  const target = await resolveTarget({
    ...(flags.apiUrl ? { apiUrl: flags.apiUrl } : {}),
    ...(flags.accountId ? { accountId: flags.accountId } : {}),
    ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  });
  try {
    const response = await apiFetch(target, "/belay/v1/scenarios", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const events: ScenarioEvent[] = [];
    let result: Extract<ScenarioLine, { type: "result" }> | undefined;
    for await (const text of ndjsonLines(response)) {
      const line = JSON.parse(text) as ScenarioLine;
      if (line.type === "result") result = line;
      else {
        const { type: _type, ...event } = line;
        events.push(event);
        if (!flags.json) process.stdout.write(`${formatScenarioEvent(event, width)}\n`);
      }
    }
    if (!result)
      throw new BelayError("CLI_API_ERROR", "the server closed the scenario's stream before it ended");
    if (flags.json)
      process.stdout.write(`${JSON.stringify({ fast: body.fast, calls: result.calls, events }, null, 2)}\n`);
    else process.stdout.write(`${formatScenarioSummary(result.calls, width).join("\n")}\n`);
    return reportFailures(result.calls, result.error);
  } finally {
    await closeTarget(target);
  }
}

function reportFailures(calls: ScenarioCallResult[], error: string | undefined): number {
  const failed = calls.filter((call) => FAILURE_REASONS.has(call.reason));
  for (const call of failed) {
    process.stderr.write(
      `belay call: ${call.call} (${call.callId}) failed (${call.reason})${call.message ? `: ${call.message}` : ""}\n`,
    );
  }
  if (error) process.stderr.write(`belay call: the scenario failed inside Belay: ${error}\n`);
  return failed.length > 0 || error ? 1 : 0;
}
