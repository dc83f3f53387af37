import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { newSigningSecret } from "../../src/contract/ids.js";
import { verifySignature } from "../../src/contract/signature.js";
import { type AppHit, openApiErrors, type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { describeRun, type RunningCli, runCli, startCli } from "./run-cli.js";

/**
 * FreeClimb's Pay-By-Phone flow, run as a user runs it: a real `belay serve` process (debug logs),
 * a real HTTP app collecting a card number with GetDigits privacyMode, and `belay call` pressing
 * it. The card number must reach the app, signed, and nothing else: not one byte of the data
 * folder (database, WAL, shared memory, blobs), the logs, or what `belay call` prints.
 */

const CARD = "4111111111111111";
// privacyMode Say text, Play URL and SendDigits: withheld too, so also searched for.
const SAY_SECRET = "Charging card ending QZX-SAY-SECRET";
const PLAY_SECRET = "QZX-PLAY-SECRET";
const SEND_SECRET = "97531";
const SECRETS = [CARD, SAY_SECRET, PLAY_SECRET, SEND_SECRET];

const SECRET = newSigningSecret();
let app: ScriptedApp;
let folders: Array<{ remove(): Promise<void> }>;
let serve: RunningCli | undefined;

before(async () => {
  folders = [];
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        {
          GetDigits: {
            actionUrl: `${base}/card`,
            privacyMode: true,
            finishOnKey: "#",
            maxDigits: 19,
            prompts: [{ Say: { text: "Enter your card number, then press pound." } }],
          },
        },
      ],
    }),
    "/card": (_hit, base) => ({
      body: [
        { Say: { text: SAY_SECRET, privacyMode: true } },
        // Not a WAV (the scripted app answers []): Play is skipped with a logged error.
        { Play: { file: `${base}/${PLAY_SECRET}.wav`, privacyMode: true } },
        { SendDigits: { digits: SEND_SECRET, privacyMode: true } },
        { Hangup: {} },
      ],
    }),
  });
});

after(async () => {
  if (serve && serve.child.exitCode === null) serve.child.kill("SIGKILL");
  await app?.close();
  for (const folder of folders ?? []) await folder.remove();
});

/** Every file under `dir`, recursively, with its bytes. */
async function filesUnder(dir: string): Promise<Array<{ file: string; bytes: Buffer }>> {
  const found: Array<{ file: string; bytes: Buffer }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    found.push({ file, bytes: await readFile(file) });
  }
  return found;
}

/** Which secrets (as ASCII or UTF-16LE, SQLite's other text encoding) a byte string holds. */
function leaks(bytes: Buffer): string[] {
  return SECRETS.filter(
    (secret) =>
      bytes.includes(Buffer.from(secret, "latin1")) || bytes.includes(Buffer.from(secret, "utf16le")),
  );
}

async function assertNoLeakOnDisk(dataDir: string, when: string): Promise<void> {
  const files = await filesUnder(dataDir);
  assert.ok(
    files.some((f) => path.basename(f.file) === "belay.db"),
    `the data folder holds belay.db ${when}`,
  );
  for (const { file, bytes } of files)
    assert.deepEqual(leaks(bytes), [], `${path.relative(dataDir, file)} (${bytes.length} bytes, ${when})`);
}

test("a card number collected with GetDigits privacyMode reaches the app and nothing else", async () => {
  const data = await tempDir("card");
  folders.push(data);
  const logs = await tempDir("card-logs");
  folders.push(logs);
  const dataDir = path.join(data.dir, "belay");

  serve = startCli(
    ["serve", "--data-dir", dataDir, "--port", "0", "--sip-port", "0", "--log-level", "debug"],
    { BELAY_SIGNING_SECRET: SECRET },
  );
  await serve.waitForStdout(/Belay is listening on (\S+)/);

  const callArgs = [
    "call",
    "--data-dir",
    dataDir,
    "--app-url",
    `${app.url}/voice`,
    "--status-url",
    `${app.url}/status`,
    "--dtmf",
    `${CARD}#@1`,
  ];
  const text = await runCli([...callArgs, "--fast"]);
  assert.equal(text.code, 0, describeRun(text));
  // In real time as well: the other clock, and the JSON inspector output.
  const json = await runCli([...callArgs, "--json"]);
  assert.equal(json.code, 0, describeRun(json));

  // The app got the digits, twice, signed, as FreeClimb's getDigits webhook.
  const cards = app.hits.filter((hit) => hit.path === "/card");
  assert.equal(cards.length, 2);
  for (const hit of cards) assertSignedGetDigits(hit);

  // What `belay call` printed: the timeline says keys were pressed and withholds them.
  assert.match(text.stdout, /caller pressed a key \(withheld: privacyMode\)/);
  assert.doesNotMatch(text.stdout, /caller pressed [0-9#*]/);
  const timeline = (JSON.parse(json.stdout) as { timeline: Array<Record<string, unknown>> }).timeline;
  const digitEvents = timeline.filter((e) => e.type === "digit");
  assert.equal(digitEvents.length, CARD.length + 1, "one event per key, the finish key included");
  assert.ok(digitEvents.every((e) => e.digit === null));
  const collected = timeline.find((e) => e.type === "getDigits");
  assert.deepEqual(collected && { digits: collected.digits, reason: collected.reason }, {
    digits: null,
    reason: "finishKey",
  });
  assert.ok(timeline.some((e) => e.type === "sentDigits" && e.digits === null));
  for (const run of [text, json]) {
    assert.deepEqual(leaks(Buffer.from(run.stdout)), [], `belay call stdout:\n${run.stdout}`);
    assert.deepEqual(leaks(Buffer.from(run.stderr)), [], `belay call stderr:\n${run.stderr}`);
  }

  // While Belay runs (its WAL and shared memory present), then once it has stopped.
  await assertNoLeakOnDisk(dataDir, "while serving");
  serve.child.kill("SIGTERM");
  const stopped = await serve.exited;
  assert.equal(stopped.code, 0, describeRun(stopped));
  const logFile = path.join(logs.dir, "belay.log");
  await writeFile(logFile, stopped.stdout + stopped.stderr);
  const logBytes = await readFile(logFile);
  assert.match(logBytes.toString(), /"level":20,.*"requestType":"getDigits"/, "debug lines were captured");
  assert.match(logBytes.toString(), /Play skipped/, "the privacyMode Play failure was logged");
  assert.deepEqual(leaks(logBytes), [], "the server's log");
  await assertNoLeakOnDisk(dataDir, "after shutdown");
});

function assertSignedGetDigits(hit: AppHit): void {
  const body = JSON.parse(hit.rawBody) as Record<string, unknown>;
  assert.equal(body.digits, CARD);
  assert.equal(body.reason, "finishKey");
  assert.deepEqual(openApiErrors("GetDigitsWebhook", body), [], hit.rawBody);
  const now = Math.floor(Date.now() / 1000);
  assert.deepEqual(verifySignature(hit.signature ?? "", hit.rawBody, [SECRET], now), { ok: true });
}
