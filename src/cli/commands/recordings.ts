import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import type { Command } from "commander";
import { isId } from "../../contract/ids.js";
import type { RecordingList, RecordingResult } from "../../contract/rest.js";
import { BelayError } from "../../errors.js";
import { table } from "../format/table.js";
import { apiFetch, type Target } from "../target.js";
import { type TargetFlags, withTarget, withTargetFlags } from "../target-flags.js";

type JsonFlag = { json?: boolean };

/** A recording id the user typed: checked here, so it can only ever be one path segment. */
function recordingIdOf(value: string): string {
  if (!isId(value, "RE")) throw new BelayError("CLI_USAGE", `"${value}" is not a recording id (RE + 40 hex)`);
  return value;
}

function callIdOf(value: string): string {
  if (!isId(value, "CA")) throw new BelayError("CLI_USAGE", `"${value}" is not a call id (CA + 40 hex)`);
  return value;
}

/** The time a link is asked for: whole seconds; the API checks the range and says so. */
function secondsOf(value: string): number {
  if (!/^\d{1,7}$/.test(value)) {
    throw new BelayError("CLI_USAGE", `--expires-in takes whole seconds, got "${value}"`);
  }
  return Number(value);
}

const recordingsPath = (target: Target, rest = "") =>
  `/apiserver/Accounts/${target.accountId}/Recordings${rest}`;

async function getJson<T>(target: Target, path: string): Promise<T> {
  return (await (await apiFetch(target, path)).json()) as T;
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function printRecording(r: RecordingResult): void {
  const rows: Array<[string, string]> = [
    ["recordingId", r.recordingId ?? "-"],
    ["callId", r.callId ?? "-"],
    ["conferenceId", r.conferenceId ?? "-"],
    ["durationSec", String(r.durationSec ?? "-")],
    ["dateCreated", r.dateCreated],
    ["uri", r.uri],
  ];
  process.stdout.write(`${rows.map(([name, value]) => `${name.padEnd(12)}  ${value}`).join("\n")}\n`);
}

export function registerRecordings(program: Command): void {
  const recordings = program
    .command("recordings")
    .description("list, show, download, delete recordings and mint download links");

  withTargetFlags(recordings.command("list").description("list recordings, newest first"))
    .option("--call-id <CA…>", "only this call's recordings")
    .option("--date <YYYY-MM-DD>", "only those made on this day (UTC)")
    .option("--json", "print the API's JSON")
    .action((flags: TargetFlags & JsonFlag & { callId?: string; date?: string }) =>
      withTarget(flags, async (target) => {
        const query = new URLSearchParams();
        if (flags.callId !== undefined) query.set("callId", callIdOf(flags.callId));
        if (flags.date !== undefined) query.set("dateCreated", flags.date);
        const suffix = query.size > 0 ? `?${query}` : "";
        const list = await getJson<RecordingList>(target, recordingsPath(target, suffix));
        if (flags.json) return printJson(list);
        const rows = list.recordings.map((r) => [
          r.recordingId ?? "",
          r.callId ?? "",
          `${r.durationSec ?? 0}s`,
          r.dateCreated,
        ]);
        const shown = list.total !== rows.length ? ` (newest ${rows.length} shown)` : "";
        process.stdout.write(
          `${table(["RECORDING", "CALL", "DURATION", "CREATED"], rows)}\n${list.total} recording(s)${shown}\n`,
        );
      }),
    );

  withTargetFlags(
    recordings.command("get").description("show a recording's metadata").argument("<recordingId>"),
  )
    .option("--json", "print the API's JSON")
    .action((id: string, flags: TargetFlags & JsonFlag) =>
      withTarget(flags, async (target) => {
        const recording = await getJson<RecordingResult>(
          target,
          recordingsPath(target, `/${recordingIdOf(id)}`),
        );
        if (flags.json) printJson(recording);
        else printRecording(recording);
      }),
    );

  withTargetFlags(
    recordings.command("download").description("save a recording's WAV").argument("<recordingId>"),
  )
    .option("-o, --output <file>", "where to write it (default: <recordingId>.wav)")
    .action((id: string, flags: TargetFlags & { output?: string }) =>
      withTarget(flags, async (target) => {
        const recordingId = recordingIdOf(id);
        const response = await apiFetch(target, recordingsPath(target, `/${recordingId}/Download`));
        const file = flags.output ?? `${recordingId}.wav`;
        if (!response.body) throw new BelayError("CLI_API_ERROR", "the server sent no audio");
        await pipeline(Readable.fromWeb(response.body as ReadableStream), createWriteStream(file));
        process.stdout.write(`saved ${file}\n`);
      }),
    );

  withTargetFlags(
    recordings
      .command("delete")
      .description("delete a recording's file and metadata")
      .argument("<recordingId>"),
  ).action((id: string, flags: TargetFlags) =>
    withTarget(flags, async (target) => {
      const recordingId = recordingIdOf(id);
      await apiFetch(target, recordingsPath(target, `/${recordingId}`), { method: "DELETE" });
      process.stdout.write(`deleted ${recordingId}\n`);
    }),
  );

  withTargetFlags(
    recordings
      .command("link")
      .description("mint a signed URL that downloads the recording without credentials until it expires")
      .argument("<recordingId>"),
  )
    .option("--expires-in <seconds>", "how long the link works, 1 to 604800 (a week)", "3600")
    .option("--json", "print the API's JSON (url, expiresAt, expiresInSec)")
    .action((id: string, flags: TargetFlags & JsonFlag & { expiresIn: string }) =>
      withTarget(flags, async (target) => {
        const recordingId = recordingIdOf(id);
        const expiresInSec = secondsOf(flags.expiresIn);
        const response = await apiFetch(target, recordingsPath(target, `/${recordingId}/Links`), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ expiresInSec }),
        });
        const link = (await response.json()) as { url: string; expiresAt: string; expiresInSec: number };
        if (flags.json) printJson(link);
        else {
          process.stdout.write(`${link.url}\n`);
          process.stderr.write(`expires ${link.expiresAt}\n`);
        }
        if (target.kind === "local") {
          // The link is signed for the account, not the host: any Belay on this data folder serves it.
          process.stderr.write(
            "belay: no server runs on this data folder, so the link names this command's own short-lived one; start `belay serve` and use its host\n",
          );
        }
      }),
    );
}
