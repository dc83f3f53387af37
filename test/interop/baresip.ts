/**
 * baresip 1.0.0 (the baresip-core package) headless: a copy of test/interop/baresip/ with its
 * tokens replaced, its own SIP, RTP and control ports, and a hard time limit (-t, then SIGKILL).
 * It is driven through its ctrl_tcp module: netstring-framed JSON commands, events back.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freeTcpPort, freeUdpPort } from "./ports.js";
import { type Bounded, startBounded, within } from "./process.js";
import { renderTemplate } from "./sipp.js";

const TEMPLATES = path.join(path.dirname(fileURLToPath(import.meta.url)), "baresip");

export interface BaresipOptions {
  /** The microphone: a WAV (8000 Hz, mono, 16-bit, or baresip refuses it) or a sine tone. */
  source: { wav: string } | { sineHz: number };
  /** auto: incoming calls are answered at once (outbound tests); manual: they ring. */
  answerMode?: "auto" | "manual";
  /** The account's user: baresip answers only INVITEs whose Request-URI has it. Default caller. */
  user?: string;
  /** Offered codecs in order, baresip's names. Default pcmu,pcma. */
  codecs?: string;
  /** Packet time it asks for and sends, ms. Default 20. */
  ptimeMs?: number;
  /** baresip quits after this long whatever happens (-t). Default 30 s. */
  quitAfterSec?: number;
}

export interface BaresipEvent {
  class?: string;
  type?: string;
  param?: string;
  [key: string]: unknown;
}

export interface Baresip {
  /** Where it listens for SIP: sip:<user>@127.0.0.1:<sipPort>. */
  sipPort: number;
  process: Bounded;
  /** Sends a ctrl_tcp command (dial, hangup, sndcode, quit…) and resolves with its response. */
  command(command: string, params?: string): Promise<{ ok: boolean; data: unknown }>;
  events: BaresipEvent[];
  /** The first event of `type` at or after index `from` of `events`, waiting up to `ms`. */
  nextEvent(type: string, ms: number, from?: number): Promise<BaresipEvent>;
  /** Quits (ctrl_tcp quit, then signals) and waits for the process, so sndfile's WAVs are complete. */
  quit(): Promise<void>;
  /** sndfile's dumps of the one call: what baresip sent and what it heard. Call after quit(). */
  dumps(): Promise<{ sent: string; heard: string }>;
  /** baresip's output (with -s: its SIP trace), for failure messages. */
  log(): string;
  /** The SIP messages in its trace so far, in order, each with its direction. */
  sipTrace(): SipTraceEntry[];
  /**
   * Waits up to `ms` for `find` to return something from the trace. baresip's stdout is a pipe,
   * so its trace can arrive after the ctrl_tcp event about the same message.
   */
  waitForTrace<T>(find: (trace: SipTraceEntry[]) => T | undefined, ms: number, what: string): Promise<T>;
  remove(): Promise<void>;
}

export async function startBaresip(options: BaresipOptions): Promise<Baresip> {
  const dir = await mkdtemp(path.join(tmpdir(), "belay-baresip-"));
  const sndDir = path.join(dir, "snd");
  await mkdir(sndDir);
  const sipPort = await freeUdpPort();
  const ctrlPort = await freeTcpPort();
  const rtpBase = await freeUdpPort(16);
  let source: string;
  if ("wav" in options.source) {
    const wav = path.join(dir, "microphone.wav");
    await copyFile(options.source.wav, wav);
    source = `aufile,${wav}`;
  } else {
    source = `ausine,${options.source.sineHz}`;
  }
  const sourceFormat =
    "wav" in options.source ? "# aufile: the WAV's own format" : "ausrc_srate\t\t48000\nausrc_channels\t\t2";
  const tokens = {
    SIP_PORT: String(sipPort),
    CTRL_PORT: String(ctrlPort),
    RTP_PORTS: `${rtpBase}-${rtpBase + 15}`,
    AUDIO_SOURCE: source,
    SOURCE_FORMAT: sourceFormat,
    SND_DIR: sndDir,
    USER: options.user ?? "caller",
    CODECS: options.codecs ?? "pcmu,pcma",
    PTIME: String(options.ptimeMs ?? 20),
    ANSWER_MODE: options.answerMode ?? "manual",
  };
  for (const file of ["config", "accounts"]) {
    const template = await readFile(path.join(TEMPLATES, file), "utf8");
    await writeFile(path.join(dir, file), renderTemplate(template, tokens));
  }
  const quitAfterSec = options.quitAfterSec ?? 30;
  const child = startBounded("baresip", ["-f", dir, "-s", "-t", String(quitAfterSec)], {
    cwd: dir,
    deadlineMs: (quitAfterSec + 10) * 1000,
    outputLimit: 256 * 1024,
  });
  try {
    await within(10_000, "baresip to start", child.waitForOutput(/baresip is ready/, "it was ready"));
  } catch (err) {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const control = await connectControl(ctrlPort);
  return {
    sipPort,
    process: child,
    command: control.command,
    events: control.events,
    nextEvent: control.nextEvent,
    async quit() {
      if (child.child.exitCode === null && child.child.signalCode === null) {
        await control.command("quit").catch(() => undefined);
        await within(5000, "baresip to quit", child.exited).catch(() => child.stop());
      }
      control.close();
    },
    async dumps() {
      const files = await readdir(sndDir);
      const pick = (suffix: string) => {
        const found = files.filter((f) => f.endsWith(suffix));
        if (found.length !== 1)
          throw new Error(`expected one sndfile dump *${suffix}, found: ${files.join(", ")}`);
        return path.join(sndDir, found[0] as string);
      };
      return { sent: pick("-enc.wav"), heard: pick("-dec.wav") };
    },
    log: () => `${child.stdout()}${child.stderr()}`,
    sipTrace: () => parseSipTrace(child.stdout(), sipPort),
    async waitForTrace(find, ms, what) {
      let found: ReturnType<typeof find>;
      await within(
        ms,
        () => `${what} in baresip's SIP trace:\n${child.stdout().slice(-4000)}`,
        child.waitUntil(() => {
          found = find(parseSipTrace(child.stdout(), sipPort));
          return found !== undefined;
        }, what),
      );
      return found as NonNullable<typeof found>;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface SipTraceEntry {
  direction: "sent" | "received";
  /** The start line: `INVITE sip:… SIP/2.0` or `SIP/2.0 200 OK`. */
  startLine: string;
  text: string;
}

/**
 * baresip -s prints each message as `UDP <from> -> <to>` and the message, between colour codes.
 * Its own messages are those from its SIP port.
 */
export function parseSipTrace(output: string, sipPort: number): SipTraceEntry[] {
  const entries: SipTraceEntry[] = [];
  const header = /UDP (\S+):(\d+) -> (\S+):(\d+)\n/g;
  for (let match = header.exec(output); match; match = header.exec(output)) {
    const start = match.index + match[0].length;
    const end = output.indexOf("\u001b[", start);
    const text = output.slice(start, end < 0 ? undefined : end);
    entries.push({
      direction: Number(match[2]) === sipPort ? "sent" : "received",
      startLine: text.split("\n")[0]?.trim() ?? "",
      text,
    });
  }
  return entries;
}

interface Control {
  command(command: string, params?: string): Promise<{ ok: boolean; data: unknown }>;
  events: BaresipEvent[];
  nextEvent(type: string, ms: number, from?: number): Promise<BaresipEvent>;
  close(): void;
}

/** ctrl_tcp: each message is a netstring `<length>:<JSON>,`; responses carry the command's token. */
async function connectControl(port: number): Promise<Control> {
  const socket = net.connect(port, "127.0.0.1");
  await within(
    5000,
    "baresip's ctrl_tcp to accept",
    new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    }),
  );
  const events: BaresipEvent[] = [];
  const pending = new Map<string, (response: { ok: boolean; data: unknown }) => void>();
  const eventWaiters = new Set<() => void>();
  let buffer = Buffer.alloc(0);
  let token = 0;
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(buffer.subarray(0, colon).toString());
      if (!Number.isInteger(length))
        throw new Error(`ctrl_tcp: bad netstring ${buffer.toString().slice(0, 40)}`);
      if (buffer.length < colon + 1 + length + 1) return;
      const message = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString()) as Record<
        string,
        unknown
      >;
      buffer = buffer.subarray(colon + 2 + length);
      if (message.event) {
        events.push(message as BaresipEvent);
        for (const waiter of eventWaiters) waiter();
      } else if (typeof message.token === "string") {
        pending.get(message.token)?.({ ok: message.ok === true, data: message.data });
        pending.delete(message.token);
      }
    }
  });
  socket.on("error", () => undefined); // baresip quitting closes it; commands time out on their own
  return {
    events,
    command(command, params) {
      const id = String(++token);
      const json = JSON.stringify({ command, params, token: id });
      const response = new Promise<{ ok: boolean; data: unknown }>((resolve) => pending.set(id, resolve));
      socket.write(`${Buffer.byteLength(json)}:${json},`);
      return within(5000, `baresip's answer to ${command}`, response);
    },
    nextEvent(type, ms, from = 0) {
      return within(
        ms,
        () => `baresip event ${type} (events so far: ${events.map((e) => e.type).join(", ") || "none"})`,
        new Promise<BaresipEvent>((resolve) => {
          const check = () => {
            const found = events.find((e, i) => i >= from && e.type === type);
            if (found) {
              eventWaiters.delete(check);
              resolve(found);
            }
          };
          eventWaiters.add(check);
          check();
        }),
      );
    },
    close: () => socket.destroy(),
  };
}
