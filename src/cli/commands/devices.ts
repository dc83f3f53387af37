import type { Command } from "commander";
import type { DeviceResult } from "../../api/present.js";
import type { Pagination } from "../../contract/rest.js";
import { BelayError } from "../../errors.js";
import { collect, pcmToBase64, readWavFile } from "../audio-file.js";
import { table } from "../format/table.js";
import { parseDtmf, parseSeconds } from "../script-options.js";
import { apiFetch } from "../target.js";
import { type TargetFlags, withTarget, withTargetFlags } from "../target-flags.js";

interface AddFlags extends TargetFlags {
  audio?: string;
  audioAt?: string;
  dtmf: string[];
  hangupAt?: string;
  answerAfter?: string;
  busy?: boolean;
  /** Commander turns --no-answer into answer: false. */
  answer?: boolean;
  json?: boolean;
}

const devicePath = (phoneNumber: string) => `/belay/v1/devices/${encodeURIComponent(phoneNumber)}`;

export function registerDevices(program: Command): void {
  const devices = program
    .command("devices")
    .description("virtual devices: numbers your outbound calls reach, with a voice, keys and a hang-up");

  withTargetFlags(
    devices.command("add").description("add a virtual device").argument("<phoneNumber>", "E.164"),
  )
    .option("--audio <file.wav>", "the device's voice: any common WAV, converted to 8 kHz mono")
    .option("--audio-at <seconds>", "when it starts speaking, after it answers", "0")
    .option("--dtmf <KEYS@SECONDS>", "press keys at a time after it answers; repeatable", collect, [])
    .option("--hangup-at <seconds>", "it hangs up at this time after it answers")
    .option("--answer-after <seconds>", "ring this long, then answer (default 1)")
    .option("--busy", "answer busy")
    .option("--no-answer", "ring until the caller gives up")
    .option("--json", "print the API's JSON")
    .action((phoneNumber: string, flags: AddFlags) =>
      withTarget(flags, async (target) => {
        const body = await addBody(phoneNumber, flags);
        const response = await apiFetch(target, "/belay/v1/devices", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const device = (await response.json()) as DeviceResult;
        if (flags.json) return print(device);
        process.stdout.write(`added ${device.phoneNumber}: ${describeMode(device)}\n`);
      }),
    );

  withTargetFlags(devices.command("list").description("list the account's virtual devices"))
    .option("--json", "print the API's JSON")
    .action((flags: TargetFlags & { json?: boolean }) =>
      withTarget(flags, async (target) => {
        const list = (await (
          await apiFetch(target, "/belay/v1/devices?pageSize=1000")
        ).json()) as Pagination & {
          devices: DeviceResult[];
        };
        if (flags.json) return print(list);
        const rows = list.devices.map((d) => [
          d.phoneNumber,
          describeMode(d),
          d.audioDurationMs
            ? `${(d.audioDurationMs / 1000).toFixed(1)}s at ${d.audioAtMs / 1000}s`
            : "silent",
          d.dtmf.map((k) => `${k.keys}@${k.atMs / 1000}`).join(" "),
          d.hangupAtMs === null ? "never" : `${d.hangupAtMs / 1000}s`,
        ]);
        process.stdout.write(
          `${table(["NUMBER", "ANSWERS", "VOICE", "DTMF", "HANGS UP"], rows)}\n${list.total} device(s)\n`,
        );
      }),
    );

  withTargetFlags(
    devices.command("get").description("show one virtual device").argument("<phoneNumber>"),
  ).action((phoneNumber: string, flags: TargetFlags) =>
    withTarget(flags, async (target) =>
      print(await (await apiFetch(target, devicePath(phoneNumber))).json()),
    ),
  );

  withTargetFlags(
    devices.command("remove").description("remove a virtual device").argument("<phoneNumber>"),
  ).action((phoneNumber: string, flags: TargetFlags) =>
    withTarget(flags, async (target) => {
      await apiFetch(target, devicePath(phoneNumber), { method: "DELETE" });
      process.stdout.write(`removed ${phoneNumber}\n`);
    }),
  );
}

async function addBody(phoneNumber: string, flags: AddFlags): Promise<Record<string, unknown>> {
  const noAnswer = flags.answer === false;
  const modes = [flags.busy === true, noAnswer, flags.answerAfter !== undefined].filter(Boolean).length;
  if (modes > 1)
    throw new BelayError("CLI_USAGE", "use one of --answer-after, --busy and --no-answer, not several");
  const body: Record<string, unknown> = {
    phoneNumber,
    mode: flags.busy ? "busy" : noAnswer ? "noAnswer" : "answer",
    dtmf: flags.dtmf.map(parseDtmf),
  };
  if (flags.answerAfter !== undefined) body.answerAfterMs = parseSeconds("--answer-after", flags.answerAfter);
  if (flags.audioAt !== undefined) body.audioAtMs = parseSeconds("--audio-at", flags.audioAt);
  if (flags.hangupAt !== undefined) body.hangupAtMs = parseSeconds("--hangup-at", flags.hangupAt);
  if (flags.audio) {
    const pcm = await readWavFile(flags.audio);
    body.audio = pcmToBase64(pcm);
  }
  return body;
}

function describeMode(device: DeviceResult): string {
  if (device.mode === "busy") return "busy";
  if (device.mode === "noAnswer") return "never (no answer)";
  return `after ${device.answerAfterMs / 1000}s`;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
