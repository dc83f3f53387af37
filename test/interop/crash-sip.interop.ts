import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DATABASE_FILE } from "../../src/server/belay.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type { SipDialogRow } from "../../src/store/types.js";
import { type AppHit, type ScriptedApp, startScriptedApp } from "../e2e/harness.js";
import { until } from "../helpers/until.js";
import { padToPackets, soxToUlaw, speech, writeWav8k } from "./audio.js";
import { NUMBER } from "./belay.js";
import { freeUdpPort } from "./ports.js";
import { type Bounded, startBounded, within } from "./process.js";
import { describeSipp, type SippRun, startSipp } from "./sipp.js";

/**
 * `belay serve` killed (SIGKILL) while sipp's call is being recorded, then started again on the
 * same data folder and SIP port: sipp receives the BYE from the new process, answers it and exits
 * 0, and the dialog's row is gone. Inbound (sipp calls Belay) and outbound (Belay calls a sipp UAS
 * through --sip-outbound from POST /Calls).
 */

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PEER = "+15557770003";
const ANSWERED = "BYE for a SIP call the previous process left up: answered";
/** Generous: each `belay serve` start compiles the sources (tsx), slow on a loaded machine. */
const START_MS = 60_000;

let app: ScriptedApp;
let work: string;
let speechUl: string;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), "belay-interop-crash-"));
  const wav = await writeWav8k(
    path.join(work, "speech.wav"),
    padToPackets(await speech("I am still here, recording.")),
  );
  speechUl = path.join(work, "speech.ul");
  await soxToUlaw(wav, speechUl);
  const record = (_hit: AppHit, base: string) => ({
    body: [
      { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 300, silenceTimeoutMs: 300_000 } },
    ],
  });
  app = await startScriptedApp({ "/voice": record, "/connect": record });
});

after(async () => {
  await app?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Serve {
  process: Bounded;
  api: { url: string; accountId: string; auth: string };
}

async function startServe(
  dataDir: string,
  sipPort: number,
  rtpBase: number,
  outbound?: string,
): Promise<Serve> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("BELAY_")) env[key] = value;
  const serve = startBounded(
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
      ...(outbound ? ["--sip-outbound", outbound] : []),
      "--log-level",
      "info",
    ],
    { cwd: REPO_ROOT, deadlineMs: 240_000, outputLimit: 4 * 1024 * 1024, env },
  );
  await within(START_MS, "belay serve to start", serve.waitForOutput(/ {2}SIP {13}\S+\n/, "its banner"));
  const banner = serve.stdout();
  const field = (name: string) => new RegExp(`${name} +(\\S+)`).exec(banner)?.[1] ?? "";
  return {
    process: serve,
    api: {
      url: /listening on (\S+)/.exec(banner)?.[1] ?? "",
      accountId: field("account id"),
      auth: `Basic ${Buffer.from(`${field("account id")}:${field("API key")}`).toString("base64")}`,
    },
  };
}

async function rest(serve: Serve, url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${serve.api.url}/apiserver/Accounts/${serve.api.accountId}${url}`, {
    method: "POST",
    headers: { authorization: serve.api.auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function dialogRows(dataDir: string): Promise<SipDialogRow[]> {
  const store = await openSqliteStore(path.join(dataDir, DATABASE_FILE));
  try {
    return await store.sipDialogs.list();
  } finally {
    await store.close();
  }
}

/** The recording under way: a `.partial` blob exists once RecordUtterance has opened its file. */
async function partialRecording(dataDir: string): Promise<string | undefined> {
  const entries = await readdir(path.join(dataDir, "blobs"), { recursive: true }).catch(() => []);
  return entries.find((name) => String(name).endsWith(".partial"));
}

/**
 * Waits for the recording and the dialog's row, kills serve, checks the row outlived it, starts
 * serve again, and waits for sipp to take the BYE and finish; returns the restarted serve.
 */
async function killAndRestart(
  t: { diagnostic(message: string): void },
  dataDir: string,
  first: Serve,
  run: SippRun,
  restart: () => Promise<Serve>,
): Promise<Serve> {
  const started = Date.now();
  await until(() => partialRecording(dataDir), 30_000, "the recording's .partial file");
  const [row] = await until(
    async () => {
      const rows = await dialogRows(dataDir);
      return rows.length > 0 ? rows : undefined;
    },
    10_000,
    "the dialog's row",
  );
  t.diagnostic(`recording and dialog row there ${Date.now() - started} ms after the webhook`);
  first.process.child.kill("SIGKILL");
  const killed = await within(10_000, "the killed serve to exit", first.process.exited);
  assert.equal(killed.signal, "SIGKILL");
  assert.equal((await dialogRows(dataDir)).length, 1, "the row outlives the process");

  const second = await restart();
  const restartedAt = Date.now();
  const sipp = await within(60_000, "sipp to finish", run.finished);
  t.diagnostic(`sipp finished ${Date.now() - restartedAt} ms after serve was back`);
  assert.equal(sipp.code, 0, describeSipp(sipp));
  const sipCallId = /\nCall-ID: (\S+)/.exec(sipp.messages)?.[1];
  assert.equal(row?.sipCallId, sipCallId);
  assert.match(sipp.messages, /\nBYE sip:/, "sipp received a BYE");
  assert.match(sipp.messages, /\nReason: SIP;cause=500;text="Belay restarted"/);
  const answered = () =>
    second.process
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === ANSWERED && line.sipCallId === sipCallId);
  await within(
    10_000,
    "serve's log line for the BYE",
    second.process.waitUntil(() => !!answered(), "it"),
  );
  assert.equal(answered()?.status, 200);
  second.process.child.kill("SIGTERM");
  const exit = await within(20_000, "serve to exit", second.process.exited);
  assert.equal(exit.code, 0, exit.stderr.slice(-2000));
  assert.deepEqual(await dialogRows(dataDir), [], "the row is gone");
  return second;
}

test("inbound: sipp calls, belay serve is killed mid-recording; restarted, it sends sipp the BYE", async (t) => {
  const dataDir = await mkdtemp(path.join(work, "data-in-"));
  const sipPort = await freeUdpPort();
  const rtpBase = await freeUdpPort(16);
  const first = await startServe(dataDir, sipPort, rtpBase);
  let run: SippRun | undefined;
  try {
    const application = await rest(first, "/Applications", {
      voiceUrl: `${app.url}/voice`,
      statusCallbackUrl: `${app.url}/status`,
    });
    await rest(first, "/IncomingPhoneNumbers", {
      phoneNumber: NUMBER,
      applicationId: application.applicationId,
    });
    const hits = app.hits.length;
    run = await startSipp({
      scenario: {
        file: "uac_pcmu_then_silence.xml",
        tokens: { CALLER_UL: speechUl, BYE_WITHIN_MS: "120000" },
      },
      port: sipPort,
      service: NUMBER,
      timeoutSec: 180,
    });
    await within(30_000, "the voice webhook", app.nextHit("/voice", hits));
    await killAndRestart(t, dataDir, first, run, () => startServe(dataDir, sipPort, rtpBase));
  } finally {
    await run?.stop();
    first.process.child.kill("SIGKILL");
  }
});

test("outbound: belay serve calls a sipp UAS and is killed mid-recording; restarted, it sends sipp the BYE", async (t) => {
  const dataDir = await mkdtemp(path.join(work, "data-out-"));
  const sipPort = await freeUdpPort();
  const rtpBase = await freeUdpPort(16);
  const sippPort = await freeUdpPort();
  const outbound = `sip:{to}@127.0.0.1:${sippPort}`;
  const first = await startServe(dataDir, sipPort, rtpBase, outbound);
  let run: SippRun | undefined;
  try {
    const application = await rest(first, "/Applications", {
      callConnectUrl: `${app.url}/connect`,
      statusCallbackUrl: `${app.url}/status`,
    });
    await rest(first, "/IncomingPhoneNumbers", {
      phoneNumber: NUMBER,
      applicationId: application.applicationId,
    });
    run = await startSipp({
      scenario: {
        file: "uas_answer_await_bye.xml",
        tokens: { CALLEE_UL: speechUl, BYE_WITHIN_MS: "120000" },
      },
      port: sipPort,
      service: PEER,
      timeoutSec: 180,
      localPort: sippPort,
    });
    const hits = app.hits.length;
    await rest(first, "/Calls", { from: NUMBER, to: PEER, applicationId: application.applicationId });
    const connect = await within(30_000, "the callConnect webhook", app.nextHit("/connect", hits));
    assert.equal(connect.body.direction, "outboundAPI");
    await killAndRestart(t, dataDir, first, run, () => startServe(dataDir, sipPort, rtpBase, outbound));
  } finally {
    await run?.stop();
    first.process.child.kill("SIGKILL");
  }
});
