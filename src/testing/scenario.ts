import type { ScenarioLine } from "../api/routes/scenarios.js";
import type { TimelineEvent } from "../engine/timeline.js";
import { BelayError } from "../errors.js";
import type { Belay } from "../server/belay.js";
import type { AppHandler, AppHost } from "./app-host.js";
import { appUrls } from "./app-urls.js";
import { wavSamples } from "./audio.js";
import { buildResult } from "./build-result.js";
import type { CallResult } from "./result.js";
import type { SentWebhook, WebhookLog } from "./webhook-log.js";

/** A party's voice: a WAV file's path or bytes, or 8 kHz mono PCM, from `atMs` after it connects. */
export interface ScenarioVoice {
  audio: string | Uint8Array | Int16Array;
  atMs?: number;
}

/** A caller, as in a scenario file (docs/virtual-calls.md#scenarios), times in whole ms. */
export interface ScenarioCaller {
  name?: string;
  from: string;
  to: string;
  /** The app: a URL or an in-process handler, as in call(). Default: startBelay's, else `to`'s application. */
  app?: string | AppHandler;
  appPath?: string;
  statusUrl?: string;
  startAtMs?: number;
  voice?: ScenarioVoice;
  keys?: Array<{ keys: string; atMs: number }>;
  hangupAtMs?: number;
  answerDelayMs?: number;
}

/** A virtual device the run's OutDials reach, as in a scenario file. */
export interface ScenarioDevice {
  name?: string;
  number: string;
  mode?: "answer" | "busy" | "noAnswer";
  answerAfterMs?: number;
  voice?: ScenarioVoice;
  keys?: Array<{ keys: string; atMs: number }>;
  hangupAtMs?: number;
}

export interface ScenarioOptions {
  callers: ScenarioCaller[];
  devices?: ScenarioDevice[];
  /** Default: startBelay's `fast` (true). */
  fast?: boolean;
}

/** One call of the run: its result, named as `belay call --scenario` names it. */
export interface ScenarioCall extends CallResult {
  name: string;
  parentCallId: string | null;
  /** From the start of the run. */
  startedAtMs: number;
  endedAtMs: number;
}

export interface ScenarioRun {
  /** Every call of the run, callers' and the calls their apps dialled, in the order they started. */
  calls: ScenarioCall[];
  /** The call of that name (`alice`, `agent-2 (2)`); throws when there is none. */
  call(name: string): ScenarioCall;
}

export interface ScenarioContext {
  belay: Belay;
  host: AppHost;
  log: WebhookLog;
  defaultApp: string | AppHandler | undefined;
  fast: boolean;
  verified: (webhook: SentWebhook) => boolean;
}

/** Runs a scenario through POST /belay/v1/scenarios (validated and routed as `belay call --scenario`). */
export async function runTestScenario(
  context: ScenarioContext,
  options: ScenarioOptions,
): Promise<ScenarioRun> {
  const { belay } = context;
  const body = {
    fast: options.fast ?? context.fast,
    callers: await Promise.all(
      options.callers.map(async ({ app, appPath, statusUrl, voice, ...caller }) => ({
        ...caller,
        ...(await appUrls(context.host, app ?? context.defaultApp, { appPath, statusUrl })),
        ...(voice ? { voice: await restVoice(voice) } : {}),
      })),
    ),
    devices: await Promise.all(
      (options.devices ?? []).map(async ({ voice, ...device }) => ({
        ...device,
        ...(voice ? { voice: await restVoice(voice) } : {}),
      })),
    ),
  };
  const { accountId, apiKey } = belay.account;
  const response = await belay.api.inject({
    method: "POST",
    url: "/belay/v1/scenarios",
    headers: { authorization: `Basic ${Buffer.from(`${accountId}:${apiKey}`).toString("base64")}` },
    payload: body,
  });
  if (response.statusCode !== 200) {
    const message = (response.json() as { message?: string }).message ?? response.body;
    throw new BelayError("TESTKIT_SCENARIO", `scenario: ${message}`, { status: response.statusCode });
  }
  const timelines = new Map<string, TimelineEvent[]>();
  let result: Extract<ScenarioLine, { type: "result" }> | undefined;
  for (const line of response.body.split("\n")) {
    if (!line) continue;
    const parsed = JSON.parse(line) as ScenarioLine;
    if (parsed.type === "result") result = parsed;
    else {
      const list = timelines.get(parsed.callId) ?? [];
      list.push(parsed.event);
      timelines.set(parsed.callId, list);
    }
  }
  if (!result || result.error)
    throw new BelayError("TESTKIT_SCENARIO", `scenario failed inside Belay: ${result?.error ?? "no result"}`);
  await belay.app.drainOutbox();
  const calls: ScenarioCall[] = [];
  for (const ended of result.calls) {
    const built = await buildResult(
      belay,
      ended,
      timelines.get(ended.callId) ?? [],
      context.log.take(ended.callId),
      context.verified,
    );
    const { call: name, parentCallId, startedAtMs, endedAtMs } = ended;
    calls.push({ ...built, name, parentCallId, startedAtMs, endedAtMs });
  }
  return {
    calls,
    call(name) {
      const found = calls.find((call) => call.name === name);
      if (!found)
        throw new BelayError(
          "TESTKIT_SCENARIO",
          `no call named ${name}: ${calls.map((c) => c.name).join(", ")}`,
        );
      return found;
    },
  };
}

async function restVoice(voice: ScenarioVoice): Promise<{ audio: string; atMs?: number }> {
  const pcm = voice.audio instanceof Int16Array ? voice.audio : await wavSamples(voice.audio);
  return {
    audio: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString("base64"),
    ...(voice.atMs !== undefined ? { atMs: voice.atMs } : {}),
  };
}
