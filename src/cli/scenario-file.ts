import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { issuePath, type ScenarioBody, scenarioSchema } from "../api/scenario-body.js";
import { BelayError } from "../errors.js";
import { pcmToBase64, readWavFile } from "./audio-file.js";

/** A scenario file: each voice a WAV path, relative to the file. */
const scenarioFile = scenarioSchema({ file: z.string().min(1, "names a WAV file") }, {});

/** Callers without their own app URL use these (`belay call --app-url`, `--status-url`). */
export interface ScenarioDefaults {
  appUrl?: string;
  statusUrl?: string;
}

/**
 * Reads and checks a scenario file and the WAVs it names, as the body of POST /belay/v1/scenarios.
 * Every problem is a CLI_SCENARIO error naming the file and the field, before anything is dialled.
 */
export async function readScenarioFile(
  file: string,
  fast: boolean,
  defaults: ScenarioDefaults = {},
): Promise<ScenarioBody> {
  const fail = (message: string) => new BelayError("CLI_SCENARIO", `${file}: ${message}`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw fail(`cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw fail(`is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = scenarioFile.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
    throw fail(lines.length === 1 ? (lines[0] as string) : `\n  ${lines.join("\n  ")}`);
  }
  const scenario = parsed.data;
  const folder = path.dirname(file);
  const voice = async (spoken: { file: string; atMs: number } | undefined, where: string) => {
    if (!spoken) return {};
    try {
      const pcm = await readWavFile(path.resolve(folder, spoken.file));
      return { voice: { audio: pcmToBase64(pcm), atMs: spoken.atMs } };
    } catch (err) {
      throw fail(`${where}.voice.file: ${(err as Error).message}`);
    }
  };
  const callers = await Promise.all(
    scenario.callers.map(async ({ voice: spoken, ...caller }, i) => {
      const appUrl = caller.appUrl ?? defaults.appUrl;
      const statusUrl = caller.statusUrl ?? defaults.statusUrl;
      return {
        ...caller,
        ...(appUrl ? { appUrl } : {}),
        ...(statusUrl ? { statusUrl } : {}),
        ...(await voice(spoken, `callers[${i}]`)),
      };
    }),
  );
  const devices = await Promise.all(
    scenario.devices.map(async ({ voice: spoken, ...device }, i) => ({
      ...device,
      ...(await voice(spoken, `devices[${i}]`)),
    })),
  );
  return {
    ...(scenario.description ? { description: scenario.description } : {}),
    callers,
    devices,
    fast,
  };
}
