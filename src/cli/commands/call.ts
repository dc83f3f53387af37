import type { Command } from "commander";
import type { VirtualCallBody } from "../../api/routes/virtual-calls.js";
import type { CallOutcome } from "../../engine/call.js";
import type { TimelineEvent } from "../../engine/timeline.js";
import { BelayError } from "../../errors.js";
import { collect, pcmToBase64, readWavFile } from "../audio-file.js";
import { FAILURE_REASONS } from "../call-failures.js";
import { formatEvent } from "../format/timeline.js";
import { ndjsonLines } from "../ndjson.js";
import { buildScript, parseDtmf, parseSeconds } from "../script-options.js";
import { apiFetch, closeTarget, resolveTarget } from "../target.js";
import { runScenarioFile } from "./call-scenario.js";

interface CallFlags {
  appUrl?: string;
  statusUrl?: string;
  audio?: string;
  audioAt?: string;
  silence?: boolean;
  dtmf: string[];
  hangupAt?: string;
  answerDelay?: string;
  from: string;
  to: string;
  fast?: boolean;
  json?: boolean;
  apiUrl?: string;
  accountId?: string;
  apiKey?: string;
  dataDir?: string;
  scenario?: string;
}

/** Flags that describe the one caller of a plain `belay call`: a scenario file says all of that. */
const ONE_CALLER_FLAGS = ["audio", "audioAt", "silence", "dtmf", "hangupAt", "answerDelay", "from", "to"];

export function registerCall(program: Command): void {
  program
    .command("call")
    .description("place a virtual inbound call against a FreeClimb app and print its timeline")
    .option(
      "--app-url <url>",
      "the app's voice URL (receives inboundCall); without it, --to is routed to its number's application",
    )
    .option(
      "--status-url <url>",
      "where the callStatus webhook goes (default: --app-url, or the application's statusCallbackUrl)",
    )
    .option("--audio <file.wav>", "the caller's voice: any common WAV, converted to 8 kHz mono")
    .option("--audio-at <seconds>", "when the caller starts speaking, after the call connects", "0")
    .option("--silence", "the caller says nothing (the default when --audio is not given)")
    .option("--dtmf <KEYS@SECONDS>", "press keys at a time after the call connects; repeatable", collect, [])
    .option("--hangup-at <seconds>", "the caller hangs up at this time after the call connects")
    .option("--answer-delay <seconds>", "how long the call takes to connect once answered")
    .option("--from <e164>", "the caller's number", "+15550001111")
    .option("--to <e164>", "the number called", "+15550002222")
    .option("--fast", "run the whole call on the simulated clock (identical results, no waiting)")
    .option("--json", "print the timeline as JSON")
    .option(
      "--api-url <url>",
      "a running Belay (default: BELAY_API_URL, a server on --data-dir, or an in-process one)",
    )
    .option("--account-id <AC…>", "account id for --api-url (default: BELAY_ACCOUNT_ID)")
    .option("--api-key <key>", "API key for --api-url (default: BELAY_API_KEY)")
    .option("--data-dir <dir>", "data folder for an in-process Belay (default: ./.belay)")
    .option(
      "--scenario <file.json>",
      "run several virtual callers and devices on one clock (docs/virtual-calls.md#scenarios)",
    )
    .action(async (flags: CallFlags, command: Command) => {
      if (flags.scenario === undefined) {
        process.exitCode = await placeCall(flags);
        return;
      }
      const given = ONE_CALLER_FLAGS.filter((name) => command.getOptionValueSource(name) === "cli");
      if (given.length > 0) {
        const names = given.map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
        throw new BelayError(
          "CLI_USAGE",
          `${names.join(", ")} cannot be used with --scenario: the scenario file describes every caller`,
        );
      }
      process.exitCode = await runScenarioFile({ ...flags, scenario: flags.scenario });
    });
}

async function placeCall(flags: CallFlags): Promise<number> {
  if (flags.audio && flags.silence)
    throw new BelayError("CLI_USAGE", "--audio and --silence cannot be used together");
  // Everything about the script is checked before dialling.
  const audio = flags.audio ? await readWavFile(flags.audio) : undefined;
  const script = buildScript({
    ...(audio ? { audio } : {}),
    ...(flags.audioAt !== undefined ? { audioAtMs: parseSeconds("--audio-at", flags.audioAt) } : {}),
    dtmf: flags.dtmf.map(parseDtmf),
    ...(flags.hangupAt !== undefined ? { hangupAtMs: parseSeconds("--hangup-at", flags.hangupAt) } : {}),
    ...(flags.answerDelay !== undefined
      ? { answerDelayMs: parseSeconds("--answer-delay", flags.answerDelay) }
      : {}),
  });
  const body: VirtualCallBody = {
    ...(flags.appUrl ? { appUrl: flags.appUrl } : {}),
    ...(flags.statusUrl ? { statusUrl: flags.statusUrl } : {}),
    from: flags.from,
    to: flags.to,
    fast: flags.fast === true,
    ...(script.audio ? { audio: pcmToBase64(script.audio) } : {}),
    ...(script.audioAtMs !== undefined ? { audioAtMs: script.audioAtMs } : {}),
    ...(script.dtmf?.length ? { dtmf: script.dtmf } : {}),
    ...(script.hangupAtMs !== undefined ? { hangupAtMs: script.hangupAtMs } : {}),
    ...(script.answerDelayMs !== undefined ? { answerDelayMs: script.answerDelayMs } : {}),
  };
  const target = await resolveTarget({
    ...(flags.apiUrl ? { apiUrl: flags.apiUrl } : {}),
    ...(flags.accountId ? { accountId: flags.accountId } : {}),
    ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  });
  try {
    const response = await apiFetch(target, "/belay/v1/virtual-calls", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const events: TimelineEvent[] = [];
    let outcome: CallOutcome | undefined;
    for await (const line of ndjsonLines(response)) {
      const parsed = JSON.parse(line) as TimelineEvent | ({ type: "result" } & CallOutcome);
      if (parsed.type === "result") {
        const { type: _type, ...rest } = parsed;
        outcome = rest;
      } else {
        events.push(parsed);
        if (!flags.json) process.stdout.write(`${formatEvent(parsed)}\n`);
      }
    }
    if (!outcome)
      throw new BelayError("CLI_API_ERROR", "the server closed the call's timeline before the call ended");
    if (flags.json)
      process.stdout.write(`${JSON.stringify({ ...outcome, fast: body.fast, timeline: events }, null, 2)}\n`);
    if (FAILURE_REASONS.has(outcome.reason)) {
      process.stderr.write(
        `belay call: the call failed (${outcome.reason})${outcome.message ? `: ${outcome.message}` : ""}\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    await closeTarget(target);
  }
}
