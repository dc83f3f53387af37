/**
 * The benchmarks' FreeClimb app, in its own process so it does not share Belay's core: a
 * voicemail (Say, RecordUtterance, Say, Hangup) that counts what it receives. GET /stats returns
 * the counts. Prints `listening <url>` once up.
 *
 *   node --import tsx bench/apps/voicemail-app.ts [--max-length-sec 30] [--silence-timeout-ms 60000]
 *     [--finish-on-key #] [--no-say] (no prompts: RecordUtterance first, Hangup after)
 */
import { createServer } from "node:http";
import { hasFlag, numberOption, option } from "../lib/args.js";

const maxLengthSec = numberOption("--max-length-sec", 30);
const silenceTimeoutMs = numberOption("--silence-timeout-ms", 60_000);
const say = !hasFlag("--no-say");
const finishOnKey = hasFlag("--finish-on-key") ? option("--finish-on-key", "") : undefined;

const counts: Record<string, number> = {};
/** Per recording: when its record webhook arrived (ms since the epoch, high resolution) and its body. */
const records: Array<{ atMs: number; body: Record<string, unknown> }> = [];
let base = "";

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === "/stats") {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ counts, records }));
      records.length = 0;
      return;
    }
    const atMs = performance.timeOrigin + performance.now();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {}
    const type = String(body.requestType ?? path);
    counts[type] = (counts[type] ?? 0) + 1;
    let script: unknown[] = [];
    if (path === "/voice" || path === "/connect") {
      script = [
        ...(say ? [{ Say: { text: "Leave a message after the beep." } }] : []),
        {
          RecordUtterance: {
            actionUrl: `${base}/recorded`,
            maxLengthSec,
            silenceTimeoutMs,
            ...(finishOnKey ? { finishOnKey } : {}),
          },
        },
      ];
    } else if (path === "/recorded") {
      records.push({ atMs, body });
      script = [...(say ? [{ Say: { text: "Thank you." } }] : []), { Hangup: {} }];
    } else if (path === "/ping") {
      script = [];
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(script));
  });
});

server.keepAliveTimeout = 60_000;
server.listen(numberOption("--port", 0), "127.0.0.1", () => {
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  process.stdout.write(`listening ${base}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
