import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { isId } from "../../contract/ids.js";
import type { RecordingList } from "../../contract/rest.js";
import { BelayError } from "../../errors.js";
import { table } from "../format/table.js";
import { apiFetch, closeTarget, resolveTarget, type Target } from "../target.js";
import { type TargetFlags, targetOptions, withTargetFlags } from "../target-flags.js";

async function withTarget<T>(flags: TargetFlags, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await resolveTarget(targetOptions(flags));
  try {
    return await work(target);
  } finally {
    await closeTarget(target);
  }
}

export { withTarget };

export function registerRecordings(program: Command): void {
  const recordings = program.command("recordings").description("list and download recordings");

  withTargetFlags(recordings.command("list").description("list recordings, newest first"))
    .option("--call-id <CA…>", "only this call's recordings")
    .option("--json", "print the API's JSON")
    .action((flags: TargetFlags & { callId?: string; json?: boolean }) =>
      withTarget(flags, async (target) => {
        const query = flags.callId ? `?callId=${encodeURIComponent(flags.callId)}` : "";
        const list = (await (
          await apiFetch(target, `/apiserver/Accounts/${target.accountId}/Recordings${query}`)
        ).json()) as RecordingList;
        if (flags.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        const rows = list.recordings.map((r) => [
          r.recordingId ?? "",
          r.callId ?? "",
          `${r.durationSec ?? 0}s`,
          r.dateCreated,
        ]);
        process.stdout.write(
          `${table(["RECORDING", "CALL", "DURATION", "CREATED"], rows)}\n${list.total} recording(s)\n`,
        );
      }),
    );

  withTargetFlags(
    recordings.command("download").description("save a recording's WAV").argument("<recordingId>"),
  )
    .option("-o, --output <file>", "where to write it (default: <recordingId>.wav)")
    .action((recordingId: string, flags: TargetFlags & { output?: string }) =>
      withTarget(flags, async (target) => {
        if (!isId(recordingId, "RE"))
          throw new BelayError("CLI_USAGE", `"${recordingId}" is not a recording id (RE + 40 hex)`);
        const response = await apiFetch(
          target,
          `/apiserver/Accounts/${target.accountId}/Recordings/${recordingId}/Download`,
        );
        const file = flags.output ?? `${recordingId}.wav`;
        if (!response.body) throw new BelayError("CLI_API_ERROR", "the server sent no audio");
        await pipeline(
          Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
          createWriteStream(file),
        );
        process.stdout.write(`saved ${file}\n`);
      }),
    );
}
