import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { readWav } from "../../src/media/wav-read.js";
import { type ScriptedApp, startScriptedApp } from "../e2e/harness.js";
import { pcapAudio, streamMismatches } from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER } from "./belay.js";
import { align } from "./correlate.js";
import { freeUdpPort } from "./ports.js";
import { type Bounded, startBounded, within } from "./process.js";
import { describeSipp, startSipp } from "./sipp.js";

/**
 * The real command, as an operator runs it: `belay serve --sip-port --sip-host --rtp-ports
 * --max-calls --media-workers --sip-outbound` in its own process (its RTP on two media workers), set up through the REST API only, called by sipp
 * and calling baresip, logging one JSON line per SIP call with its Call-ID and RTP stats, and
 * stopping cleanly on SIGTERM.
 */

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PEER = "+15557770002";
let serve: Bounded;
let app: ScriptedApp;
let baresip: Baresip;
let dataDir: string;
let api: { url: string; accountId: string; auth: string };
let sipPort: number;
let rtpBase: number;

async function rest(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${api.url}/apiserver/Accounts/${api.accountId}${url}`, {
    method,
    headers: { authorization: api.auth, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The JSON log lines serve has printed so far. */
function logLines(): Array<Record<string, unknown>> {
  return serve
    .stdout()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "belay-interop-serve-"));
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, finishOnKey: "1", silenceTimeoutMs: 30_000 } },
      ],
    }),
    "/recorded": () => ({ body: [{ Pause: { length: 10_000 } }] }),
    "/connect": () => ({ body: [{ Say: { text: "This call comes from belay serve." } }, { Hangup: {} }] }),
  });
  baresip = await startBaresip({ source: { sineHz: 440 }, answerMode: "auto", user: PEER, quitAfterSec: 60 });
  sipPort = await freeUdpPort();
  rtpBase = await freeUdpPort(16);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("BELAY_")) env[key] = value;
  serve = startBounded(
    process.execPath,
    [
      "bin/belay.js",
      "serve",
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--sip-port",
      String(sipPort),
      "--sip-host",
      "127.0.0.1",
      "--rtp-ports",
      `${rtpBase}-${rtpBase + 15}`,
      "--max-calls",
      "4",
      "--media-workers",
      "2",
      "--sip-outbound",
      `sip:{to}@127.0.0.1:${baresip.sipPort}`,
      "--log-level",
      "info",
    ],
    { cwd: REPO_ROOT, deadlineMs: 120_000, outputLimit: 4 * 1024 * 1024, env },
  );
  await within(30_000, "belay serve to start", serve.waitForOutput(/ {2}SIP {13}\S+\n/, "its banner"));
  const banner = serve.stdout();
  const field = (name: string) => new RegExp(`${name} +(\\S+)`).exec(banner)?.[1] ?? "";
  api = {
    url: /listening on (\S+)/.exec(banner)?.[1] ?? "",
    accountId: field("account id"),
    auth: `Basic ${Buffer.from(`${field("account id")}:${field("API key")}`).toString("base64")}`,
  };
  assert.match(banner, new RegExp(`SIP +udp:127\\.0\\.0\\.1:${sipPort}\\n`), banner);
  assert.match(banner, /RTP +on 2 media workers \(--media-workers\)\n/, banner);
});

after(async () => {
  await serve?.stop(10_000);
  await baresip?.quit();
  await baresip?.remove();
  await app?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test("set up through REST, called by sipp: routed, recorded exactly, RTP from --rtp-ports, one log line with the Call-ID and RTP stats", async (t) => {
  const application = await rest("POST", "/Applications", {
    alias: "interop serve",
    voiceUrl: `${app.url}/voice`,
    callConnectUrl: `${app.url}/connect`,
    statusCallbackUrl: `${app.url}/status`,
  });
  await rest("POST", "/IncomingPhoneNumbers", {
    phoneNumber: NUMBER,
    applicationId: application.applicationId,
  });

  const run = await startSipp({ scenario: { builtin: "uac_pcap" }, port: sipPort, service: NUMBER });
  const sipp = await run.finished;
  assert.equal(sipp.code, 0, describeSipp(sipp));
  const answerPort = Number(/SIP\/2\.0 200 OK[\s\S]*?\nm=audio (\d+) /.exec(sipp.messages)?.[1]);
  assert.ok(
    answerPort >= rtpBase && answerPort <= rtpBase + 15,
    `the answer's RTP port ${answerPort} is in --rtp-ports`,
  );

  const record = await within(5000, "the record webhook", app.nextHit("/recorded"));
  assert.equal(record.body.termReason, "finishKey", record.rawBody);
  const download = await fetch(record.body.recordingUrl as string, { headers: { authorization: api.auth } });
  assert.equal(download.status, 200);
  const recorded = readWav(new Uint8Array(await download.arrayBuffer())).pcm8k;
  const { pcm } = await pcapAudio();
  const found = align(pcm, recorded, { minOverlap: 8000 });
  t.diagnostic(`serve: recording vs pcap lag ${found.lag}, correlation ${found.correlation.toFixed(6)}`);
  assert.deepEqual(
    streamMismatches(recorded, pcm, found.lag, 240),
    [],
    `recording vs pcap at lag ${found.lag}`,
  );

  const sipCallId = /\nCall-ID: (\S+)/.exec(sipp.messages)?.[1];
  const ended = await within(
    5000,
    "the SIP call's log line",
    waitForLog((l) => l.msg === "SIP call ended"),
  );
  t.diagnostic(`log: ${JSON.stringify(ended)}`);
  assert.equal(ended.sipCallId, sipCallId);
  assert.equal(ended.callId, record.body.callId);
  const rtp = ended.rtp as Record<string, number>;
  assert.ok((rtp.packetsReceived ?? 0) >= 236, `packetsReceived ${rtp.packetsReceived}`);
  assert.equal(rtp.packetsLost, 0);
  for (const key of ["packetsSent", "jitterMs", "late", "dropped"])
    assert.equal(typeof rtp[key], "number", key);
});

test("POST /Calls dials baresip through --sip-outbound; SIGTERM then stops serve with exit code 0", async () => {
  const events = baresip.events.length;
  const hits = app.hits.length;
  const numbers = await rest("GET", "/IncomingPhoneNumbers");
  const applicationId = (numbers.incomingPhoneNumbers as Array<Record<string, unknown>>)[0]?.applicationId;
  const placed = await rest("POST", "/Calls", { from: NUMBER, to: PEER, applicationId });
  await baresip.nextEvent("CALL_ESTABLISHED", 10_000, events);
  await baresip.nextEvent("CALL_CLOSED", 15_000, events); // after the Say, the app's Hangup: a BYE
  const status = await within(10_000, "the outbound call's callStatus", app.nextHit("/status", hits));
  assert.deepEqual(
    [status.body.callId, status.body.callEndedReason],
    [placed.callId, "appHangup"],
    status.rawBody,
  );
  serve.child.kill("SIGTERM");
  const exit = await within(15_000, "belay serve to exit", serve.exited);
  assert.equal(exit.code, 0, exit.stderr.slice(-2000));
});

function waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const check = () => {
      const found = logLines().find(match);
      if (found) resolve(found);
      else serve.child.stdout?.once("data", check);
    };
    check();
  });
}
