/**
 * sipp (the sip-tester package) as a caller: one call (-m 1) from a scenario, in a temporary folder
 * of its own, on ports of its own, bounded by sipp's global timeout and, past it, by SIGKILL. The
 * result keeps what a failing test needs to say: the exit code, sipp's unexpected-message log and
 * the SIP messages it exchanged.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freeUdpPort } from "./ports.js";
import { type Bounded, startBounded } from "./process.js";

/** sipp's sample captures (g711a.pcap, dtmf_2833_*.pcap); built-in scenarios look for pcap/… here. */
export const SIPP_PCAPS = "/usr/share/sip-tester";
const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), "scenarios");

export type SippScenario =
  /** One of sipp's embedded scenarios (-sn), e.g. uac_pcap. */
  | { builtin: string }
  /** An XML file under test/interop/scenarios/, its @TOKEN@s replaced first (sipp 3.6.1 does not substitute -key values inside rtp_stream or pause). */
  | { file: string; tokens?: Record<string, string> };

export interface SippOptions {
  scenario: SippScenario;
  /** Where the INVITE goes: 127.0.0.1:<port>. */
  port: number;
  /** The Request-URI user (-s): the number dialled. */
  service: string;
  /** sipp's own global timeout, after which it fails (-timeout … -timeout_error). Default 30 s. */
  timeoutSec?: number;
  /** sipp's SIP port (-p), when the other side must know it first (sipp as UAS); default a free one. */
  localPort?: number;
}

export interface SippResult {
  code: number | null;
  /** Killed at the hard deadline, past sipp's own timeout. */
  killed: boolean;
  /** sipp's -trace_err log: unexpected messages and aborted calls. */
  errors: string;
  /** sipp's -trace_msg log: every SIP message sent and received. */
  messages: string;
  /** The last of sipp's screen output. */
  screen: string;
}

export interface SippRun {
  localPort: number;
  /** sipp's -trace_msg log, written as the call goes (read it before `finished` removes it). */
  messagesFile: string;
  /** sipp's RTP port (-mp): pcap replay and rtp_stream send from here. */
  mediaPort: number;
  process: Bounded;
  /** Resolves when sipp has exited. */
  finished: Promise<SippResult>;
  stop(): Promise<void>;
}

/** Replaces every @TOKEN@; a token left without a value is a mistake in the test, not a literal. */
export function renderTemplate(text: string, tokens: Record<string, string>): string {
  const rendered = text.replace(/@([A-Z][A-Z0-9_]*)@/g, (whole, name: string) => {
    const value = tokens[name];
    if (value === undefined) throw new Error(`template token ${whole} has no value`);
    return value;
  });
  return rendered;
}

export async function startSipp(options: SippOptions): Promise<SippRun> {
  const dir = await mkdtemp(path.join(tmpdir(), "belay-sipp-"));
  await symlink(SIPP_PCAPS, path.join(dir, "pcap"));
  const localPort = options.localPort ?? (await freeUdpPort());
  // sipp echoes on -mp and -mp + 2 when asked to; keep the span free.
  const mediaPort = await freeUdpPort(4);
  const timeoutSec = options.timeoutSec ?? 30;
  const scenarioArgs: string[] = [];
  if ("builtin" in options.scenario) {
    scenarioArgs.push("-sn", options.scenario.builtin);
  } else {
    const template = await readFile(path.join(SCENARIOS, options.scenario.file), "utf8");
    const rendered = path.join(dir, options.scenario.file);
    await writeFile(rendered, renderTemplate(template, options.scenario.tokens ?? {}));
    scenarioArgs.push("-sf", rendered);
  }
  const errorsFile = path.join(dir, "errors.log");
  const messagesFile = path.join(dir, "messages.log");
  const args = [
    ...scenarioArgs,
    `127.0.0.1:${options.port}`,
    "-s",
    options.service,
    "-i",
    "127.0.0.1",
    "-mi",
    "127.0.0.1",
    "-p",
    String(localPort),
    "-mp",
    String(mediaPort),
    "-m",
    "1",
    "-nostdin",
    "-timeout",
    `${timeoutSec}s`,
    "-timeout_error",
    "-trace_err",
    "-error_file",
    errorsFile,
    "-trace_msg",
    "-message_file",
    messagesFile,
  ];
  const child = startBounded("sipp", args, { cwd: dir, deadlineMs: (timeoutSec + 15) * 1000 });
  const finished = child.exited.then(async (exit) => {
    const read = (file: string) => readFile(file, "utf8").catch(() => "");
    const result: SippResult = {
      code: exit.code,
      killed: exit.timedOut,
      errors: await read(errorsFile),
      messages: await read(messagesFile),
      screen: `${exit.stdout.slice(-4000)}${exit.stderr.slice(-4000)}`,
    };
    await rm(dir, { recursive: true, force: true });
    return result;
  });
  return {
    localPort,
    messagesFile,
    mediaPort,
    process: child,
    finished,
    async stop() {
      await child.stop();
      await finished;
    },
  };
}

/** A failure message with what sipp saw: exit code, unexpected messages, and the SIP exchanged. */
export function describeSipp(result: SippResult): string {
  return [
    `sipp exited ${result.code}${result.killed ? " (killed at the hard deadline)" : ""}`,
    result.errors.trim() ? `sipp's errors:\n${result.errors.trim().slice(-4000)}` : "no sipp errors logged",
    `SIP messages:\n${result.messages.trim().slice(-6000) || "(none)"}`,
  ].join("\n");
}
