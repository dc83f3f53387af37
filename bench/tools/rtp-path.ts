/**
 * Times Belay's per-packet receive → record path in one process, without sockets' kernel work or
 * the event loop: N RTP sessions (real, bound) are fed PCMU datagrams by calling their socket's
 * 'message' listeners in step with a hand-moved clock, and each frame goes through the media
 * bus's recording work (UtteranceCapture's voice detector, a WavWriter into a blob that discards).
 * Compares source trees, round by round alternated in the same process, so a shared machine's
 * moments fall on both alike:
 *
 *   node --import tsx bench/tools/rtp-path.ts [--calls 200] [--frames 1500] [--rounds 5]
 *     [--base /path/to/other/checkout]
 */
import type dgram from "node:dgram";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { numberOption, option } from "../lib/args.js";

const N = numberOption("--calls", 200);
const FRAMES = numberOption("--frames", 1500);
const ROUNDS = numberOption("--rounds", 5);
const here = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const trees = [option("--base", ""), here].filter(Boolean);

interface Tree {
  root: string;
  openRtpSession: typeof import("../../src/legs/sip/rtp/session.js").openRtpSession;
  UtteranceCapture: typeof import("../../src/engine/commands/utterance-capture.js").UtteranceCapture;
  WavWriter: typeof import("../../src/media/wav-write.js").WavWriter;
}

async function load(root: string): Promise<Tree> {
  const at = (p: string) => path.join(root, "src", p);
  return {
    root,
    openRtpSession: (await import(at("legs/sip/rtp/session.ts"))).openRtpSession,
    UtteranceCapture: (await import(at("engine/commands/utterance-capture.ts"))).UtteranceCapture,
    WavWriter: (await import(at("media/wav-write.ts"))).WavWriter,
  };
}

/** A clock moved by hand; its timers never fire (every frame here goes up as soon as it is whole). */
const clock = {
  t: 1_000_000,
  now() {
    return this.t;
  },
  setTimeout: () => ({ cancel() {} }),
  sleep: async () => true,
  track: <T>(p: Promise<T>) => p,
  advanceWithin: () => false,
};
const blob = {
  write: async () => {},
  writeAt: async () => {},
  finish: async () => ({ size: 0 }),
  abort: async () => {},
  truncate: async () => {},
};
const logger = pino({ level: "silent" });

async function round(tree: Tree): Promise<number> {
  const sessions = [];
  const frames = { count: 0 };
  for (let i = 0; i < N; i++) {
    const s = await tree.openRtpSession({
      host: "127.0.0.1",
      portRange: { min: 30_000, max: 40_000 },
      clock: clock as never,
      logger,
      bindRtcp: false,
    });
    s.configure({
      codec: "PCMU",
      payloadType: 0,
      ptimeMs: 20,
      telephoneEventPt: 101,
      remote: { address: "127.0.0.1", port: 9 },
      direction: "recvonly",
    } as never);
    const capture = new tree.UtteranceCapture({ silenceTimeoutMs: 1e9, maxLengthMs: 1e9, autoStart: false });
    const wav = new tree.WavWriter(blob);
    await wav.start();
    const write = (f: Int16Array) => wav.append(f);
    s.start({
      frame: (f: Int16Array) => {
        frames.count++;
        capture.push(f, write);
      },
      digit: () => {},
    });
    sessions.push(s);
  }
  const listeners = sessions.map(
    (s) =>
      (s as unknown as { socket: dgram.Socket }).socket.listeners("message")[0] as (...a: unknown[]) => void,
  );
  const rinfo = { address: "127.0.0.1", family: "IPv4", port: 5004, size: 172 };
  const packets = sessions.map((_, i) => {
    const b = Buffer.alloc(172);
    b[0] = 0x80;
    b.writeUInt32BE(0x1000 + i, 8);
    let x = i + 1;
    for (let j = 12; j < 172; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[j] = (x >>> 16) & 0xfe;
    }
    return b;
  });
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < FRAMES; k++) {
    clock.t += 20;
    for (let i = 0; i < N; i++) {
      const b = packets[i] as Buffer;
      b.writeUInt16BE(k & 0xffff, 2);
      b.writeUInt32BE((k * 160) >>> 0, 4);
      // A fresh datagram each time, as dgram gives.
      (listeners[i] as (...a: unknown[]) => void)(Buffer.from(b), rinfo);
    }
  }
  const used = process.cpuUsage(cpu0);
  await Promise.all(sessions.map((s) => s.close()));
  if (frames.count < N * (FRAMES - 5))
    throw new Error(`${frames.count} frames went up for ${N * FRAMES} packets`);
  return (used.user + used.system) / (N * FRAMES);
}

const loaded = await Promise.all(trees.map(load));
const results = new Map<string, number[]>(loaded.map((t) => [t.root, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const tree of loaded) results.get(tree.root)?.push(await round(tree));
}
for (const [root, us] of results) {
  const sorted = [...us].sort((a, b) => a - b);
  process.stdout.write(
    `${root}: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(3)} µs per packet (rounds ${us.map((u) => u.toFixed(3)).join(", ")})\n`,
  );
}
