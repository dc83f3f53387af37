import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  runScenario,
  type Scenario,
  type ScenarioCallResult,
  type ScenarioEvent,
} from "../../calls/scenario.js";
import type { CallerScript } from "../../legs/virtual/script.js";
import type { CalleeAnswer } from "../../legs/virtual/virtual-callee.js";
import type { ApiDeps } from "../app.js";
import { assertTakingCalls } from "../call-admission.js";
import { pcmFromBase64 } from "../pcm-body.js";
import { type ParsedScenarioBody, scenarioBody } from "../scenario-body.js";
import { callStartResponses } from "../schemas.js";
import { routeVirtualCall } from "../virtual-call-routing.js";

/** A device that rings this long before answering when the scenario does not say (as POST /belay/v1/devices). */
const DEFAULT_ANSWER_AFTER_MS = 1000;

/** One NDJSON line of the stream: a call's timeline event, or the run's result (always last). */
export type ScenarioLine =
  | ({ type: "event" } & ScenarioEvent)
  | { type: "result"; calls: ScenarioCallResult[]; error?: string };

/**
 * Belay extension: run a scenario (several virtual callers and the devices their app dials, on one
 * clock) and stream every call's timeline as NDJSON, then how each call ended.
 */
export const scenarioRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();

    api.post(
      "/belay/v1/scenarios",
      {
        bodyLimit: 256 * 1024 * 1024,
        schema: {
          tags: ["Belay extensions"],
          summary: "Run a scenario of virtual callers and devices and stream its timelines (NDJSON)",
          body: scenarioBody,
          response: {
            200: z.any().describe("application/x-ndjson: one event of one call a line, then the result"),
            ...callStartResponses,
          },
        },
      },
      async (request, reply) => {
        assertTakingCalls(deps.disk);
        // Every caller is routed before any call starts: a wrong number fails the whole run at once.
        const scenario = await toScenario(deps, request.account.accountId, request.body);
        reply.hijack();
        reply.raw.writeHead(200, { "Content-Type": "application/x-ndjson" });
        const write = (line: ScenarioLine) => reply.raw.write(`${JSON.stringify(line)}\n`);
        // A client that goes away (Ctrl-C on `belay call`) ends the run, as a caller hanging up.
        const abandoned = new AbortController();
        reply.raw.on("close", () => {
          if (!reply.raw.writableFinished) abandoned.abort();
        });
        try {
          const result = await runScenario(
            deps.engine,
            scenario,
            (event) => write({ type: "event", ...event }),
            abandoned.signal,
          );
          write({ type: "result", calls: result.calls });
        } catch (err) {
          request.log.error({ err }, "scenario failed inside Belay");
          write({ type: "result", calls: [], error: String(err) });
        } finally {
          reply.raw.end();
        }
      },
    );
  };

async function toScenario(deps: ApiDeps, accountId: string, body: ParsedScenarioBody): Promise<Scenario> {
  const callers = await Promise.all(
    body.callers.map(async (caller, i) => ({
      name: caller.name ?? `caller-${i + 1}`,
      from: caller.from,
      to: caller.to,
      routing: await routeVirtualCall(deps, accountId, caller, `callers[${i}].to`),
      startAtMs: caller.startAtMs,
      script: {
        ...scriptOf(caller),
        ...(caller.answerDelayMs !== undefined ? { answerDelayMs: caller.answerDelayMs } : {}),
      },
    })),
  );
  const devices = body.devices.map((device) => ({
    name: device.name ?? device.number,
    number: device.number,
    answers: answersOf(device),
    script: scriptOf(device),
  }));
  return { callers, devices, fast: body.fast };
}

type Party = ParsedScenarioBody["devices"][number] | ParsedScenarioBody["callers"][number];

function scriptOf(party: Party): CallerScript {
  const script: CallerScript = { dtmf: party.keys };
  if (party.voice) {
    script.audio = pcmFromBase64(party.voice.audio);
    script.audioAtMs = party.voice.atMs;
  }
  if (party.hangupAtMs !== undefined) script.hangupAtMs = party.hangupAtMs;
  return script;
}

function answersOf(device: ParsedScenarioBody["devices"][number]): CalleeAnswer {
  if (device.mode === "busy") return { kind: "busy" };
  if (device.mode === "noAnswer") return { kind: "noAnswer" };
  return { kind: "answer", afterMs: device.answerAfterMs ?? DEFAULT_ANSWER_AFTER_MS };
}
