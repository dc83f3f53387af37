/**
 * What a flood of junk SIP does to `belay serve`'s memory, and whether it comes back once the
 * transactions the flood created expire (64*T1 = 32 s): spawns `belay serve` on a temporary data
 * folder with SIP on a free port of 127.0.0.1, sends `--count` junk datagrams (random bytes, and
 * a valid INVITE with random bytes changed) and `--count` valid-looking bogus requests (INVITE to
 * a number Belay does not have, OPTIONS, REGISTER; each a new transaction), then samples the
 * server's RSS (/proc/<pid>/status) every second for `--settle` seconds. It also counts the log
 * lines the server wrote and the responses it sent.
 *
 *   node --import tsx bench/tools/sip-flood.ts [--count 25000] [--settle 45] [--rate 4000]
 *
 * `--rate` is datagrams a second: faster, and the kernel's receive buffer drops most of the flood
 * before Belay sees it (the count of responses shows how much arrived).
 *
 *   node --expose-gc --import tsx bench/tools/sip-flood.ts --in-process [--count 25000] [--settle 45]
 *
 * builds Belay in this process instead (createBelay, the same SIP service), so that it can also
 * report the V8 heap after a full GC and the live server transactions at each sample: RSS alone
 * does not show whether memory came back, since V8 and the allocator keep pages they freed.
 *
 * A diagnostic for docs/sip.md, not one of the benchmarks: it prints, and saves nothing. Linux
 * only (it reads /proc).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { hasFlag, numberOption } from "../lib/args.js";

const COUNT = numberOption("--count", 25_000);
const SETTLE_SEC = numberOption("--settle", 45);
const RATE = numberOption("--rate", 4000);
const BATCH = 20;
const IN_PROCESS = hasFlag("--in-process");
const REPO = fileURLToPath(new URL("../../", import.meta.url));

async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}

function request(method: string, i: number, local: number, sipPort: number): Buffer {
  const branch = `z9hG4bK-flood-${method}-${i}`;
  const sdp =
    method === "INVITE"
      ? "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
      : "";
  const uri = method === "REGISTER" ? "sip:127.0.0.1" : `sip:+1555999${String(i).padStart(4, "0")}@127.0.0.1`;
  return Buffer.from(
    `${method} ${uri}:${sipPort} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport\r\n` +
      "Max-Forwards: 70\r\n" +
      `From: <sip:+15550001111@127.0.0.1>;tag=f${i}\r\n` +
      `To: <${uri}>\r\n` +
      `Call-ID: flood-${method}-${i}@127.0.0.1\r\n` +
      `CSeq: 1 ${method}\r\n` +
      `Contact: <sip:flood@127.0.0.1:${local}>\r\n` +
      (sdp ? "Content-Type: application/sdp\r\n" : "") +
      `Content-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`,
  );
}

function junk(i: number, local: number, sipPort: number): Buffer {
  if (i % 2 === 0) {
    const bytes = Buffer.alloc(1 + Math.floor(Math.random() * 1400));
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(Math.random() * 256);
    return bytes;
  }
  const bytes = request("INVITE", i, local, sipPort);
  for (let k = 0; k < 8; k++)
    bytes[Math.floor(Math.random() * bytes.length)] = Math.floor(Math.random() * 256);
  return bytes;
}

async function send(socket: Socket, port: number, datagrams: (i: number) => Buffer): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < COUNT; i += BATCH) {
    const sends: Promise<void>[] = [];
    for (let k = i; k < Math.min(COUNT, i + BATCH); k++) {
      sends.push(new Promise((resolve) => socket.send(datagrams(k), port, "127.0.0.1", () => resolve())));
    }
    await Promise.all(sends);
    // Paced so that the kernel's receive buffer is not what drops the flood.
    const due = started + ((i + BATCH) * 1000) / RATE;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  }
}

/** What is measured about the server: its RSS, and in-process its heap and transactions. */
interface Probe {
  /** What else a sample shows besides RSS (in-process: heap after GC and live transactions). */
  sample(rssMb: number): Promise<string>;
  rssMb(): Promise<number>;
  logLines(): number;
}

async function flood(sipPort: number, probe: Probe): Promise<void> {
  const socket = createSocket("udp4");
  let responses = 0;
  socket.on("message", () => responses++);
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const local = socket.address().port;
  const linesBefore = probe.logLines();
  const started = Date.now();
  const before = await probe.rssMb();
  const samples: string[] = [`0:${await probe.sample(before)}`];
  const rss: number[] = [before];
  let sampling = false;
  const sampler = setInterval(async () => {
    if (sampling) return;
    sampling = true;
    const mb = await probe.rssMb();
    rss.push(mb);
    samples.push(`${Math.round((Date.now() - started) / 1000)}:${await probe.sample(mb)}`);
    sampling = false;
  }, 1000);
  await send(socket, sipPort, (i) => junk(i, local, sipPort));
  const methods = ["INVITE", "OPTIONS", "REGISTER"];
  await send(socket, sipPort, (i) => request(methods[i % 3] as string, i, local, sipPort));
  const floodSec = (Date.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_SEC * 1000));
  clearInterval(sampler);
  socket.close();
  console.log(`flood: ${COUNT} junk datagrams + ${COUNT} bogus requests in ${floodSec.toFixed(1)} s`);
  console.log(
    `RSS MB: before ${before}, peak ${Math.max(...rss)}, ${SETTLE_SEC} s after the flood ${rss.at(-1)}`,
  );
  console.log(`log lines written during the flood and after: ${probe.logLines() - linesBefore}`);
  console.log(`responses received: ${responses} (a bogus INVITE gets a 100 and its final, retransmitted)`);
  console.log(`samples (s:${IN_PROCESS ? "rss MB/heap MB after GC/server transactions" : "rss MB"}):`);
  console.log(samples.join(" "));
}

async function spawned(dataDir: string): Promise<void> {
  const sipPort = await freeUdpPort();
  let logLines = 0;
  const child: ChildProcess = spawn(
    process.execPath,
    ["bin/belay.js", "serve", "--data-dir", dataDir, "--port", "0", "--sip-port", String(sipPort)],
    { cwd: REPO, stdio: ["ignore", "pipe", "inherit"], env: { PATH: process.env.PATH ?? "" } },
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`belay serve exited (${code})`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      logLines += text.split("\n").length - 1;
      if (text.includes("SIP listening")) resolve();
    });
  });
  try {
    await ready;
    const pid = child.pid as number;
    await flood(sipPort, {
      rssMb: () => rssMb(pid),
      sample: async (mb) => String(mb),
      logLines: () => logLines,
    });
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

async function inProcess(dataDir: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("--in-process needs node --expose-gc");
  // Belay's JSON log lines are counted, not printed.
  let logLines = 0;
  const logger = pino({ level: "info" }, { write: () => logLines++ });
  const sipPort = await freeUdpPort();
  const belay = await createBelay(resolveConfig({ dataDir, port: 0, sipPort, logLevel: "info" }, {}), logger);
  await belay.listen();
  const sip = belay.sip;
  if (!sip) throw new Error("SIP did not start");
  const rss = async () => Math.round(process.memoryUsage().rss / 1024 / 1024);
  try {
    await flood(sipPort, {
      rssMb: rss,
      sample: async (mb) => {
        gc();
        const heap = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
        return `${mb}/${heap}/${sip.layer.size.server}`;
      },
      logLines: () => logLines,
    });
  } finally {
    await belay.close();
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "belay-sip-flood-"));
  try {
    if (IN_PROCESS) await inProcess(dataDir);
    else await spawned(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
