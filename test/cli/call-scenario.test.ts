import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type CallCentreApp, startCallCentreApp } from "../../examples/call-centre/app.js";
import { type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { sine } from "../media/signals.js";
import { buildWav, encodeSamples } from "../media/wav-builder.js";
import { describeRun, REPO_ROOT, runCli } from "./run-cli.js";

/** `belay call --scenario` as a user runs it: the real CLI process, each run in its own data folder. */

const EXAMPLE = path.join(REPO_ROOT, "examples/call-centre/scenario.json");

let centre: CallCentreApp;
let broken: ScriptedApp;
let folders: Array<{ remove(): Promise<void> }>;
let files: string;

async function dataDir(): Promise<string> {
  const folder = await tempDir("cli-scenario");
  folders.push(folder);
  return folder.dir;
}

/** A scenario file in the test's folder; `voice.wav` (a generated 16 kHz tone) sits next to it. */
async function scenarioFile(name: string, content: unknown): Promise<string> {
  const file = path.join(files, name);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

before(async () => {
  folders = [];
  // The example's own agents, hunted with the example's defaults (a check a second, 4 s each).
  centre = await startCallCentreApp({ port: 0, agents: ["+15550003001", "+15550003002"] });
  broken = await startScriptedApp({ "/voice": () => ({ body: [{ Sya: { text: "hello" } }] }) });
  files = await dataDir();
  const tone = sine(440, 16_000, 0.5, 0.3);
  await writeFile(
    path.join(files, "voice.wav"),
    buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: 16_000,
      bitsPerSample: 16,
      data: encodeSamples([tone], "s16"),
    }),
  );
});

after(async () => {
  await centre?.close();
  await broken?.close();
  for (const folder of folders ?? []) await folder.remove();
});

const CALLER = { from: "+15550001001", to: "+15550002000" };

describe("belay call --scenario", { concurrency: true }, () => {
  test("the example's 20-minute morning runs on --fast: every call's lines, then a summary", async () => {
    const started = Date.now();
    const run = await runCli([
      "call",
      "--scenario",
      EXAMPLE,
      "--app-url",
      `${centre.url}/voice`,
      "--status-url",
      `${centre.url}/status`,
      "--fast",
      "--data-dir",
      await dataDir(),
    ]);
    const elapsed = Date.now() - started;
    assert.equal(run.code, 0, describeRun(run));
    const out = run.stdout;
    // Lines are named by the call and timed from the start of the run.
    assert.match(out, /^alice +0\.000 {2}call CA[0-9a-f]{40} \+15550001001 → \+15550002000 \(inbound\)$/m);
    assert.match(out, /^agent-1 +0\.000 {2}ended: busy \(busy\)$/m);
    assert.match(out, /^agent-2 +6\.500 {2}status inProgress$/m);
    assert.match(out, /^alice +7\.000 {2}conference CF[0-9a-f]{40} joined$/m);
    assert.match(out, /^alice +27\.000 {2}ended: completed \(farEndHangup\)$/m);
    assert.match(out, /^bob +300\.000 {2}call CA/m);
    assert.match(out, /^carol +1140\.000 {2}call CA/m);
    assert.match(out, /^agent-2 \(3\) +1176\.500 {2}ended: completed \(farEndHangup\)$/m);
    const summary = out.slice(out.indexOf("summary:\n"));
    const lines = summary.trim().split("\n").slice(1);
    assert.deepEqual(
      lines.map((line) => line.trim().split(/\s+/)[0]),
      ["alice", "agent-1", "agent-2", "bob", "agent-1", "agent-2", "carol", "agent-1", "agent-2"],
    );
    assert.match(
      summary,
      /^ {2}alice +CA[0-9a-f]{40} {2}completed \(farEndHangup\) {2}0\.000-27\.000 s \(27\.000 s\)/m,
    );
    assert.match(
      summary,
      /^ {2}carol +CA[0-9a-f]{40} {2}completed \(farEndHangup\) {2}1140\.000-1157\.000 s/m,
    );
    assert.equal((summary.match(/busy \(busy\)/g) ?? []).length, 3);
    assert.ok(elapsed < 60_000, `20 simulated minutes took ${elapsed} ms`);
  });

  test("docs/virtual-calls.md shows the example file as it is", async () => {
    const docs = await readFile(path.join(REPO_ROOT, "docs/virtual-calls.md"), "utf8");
    const example = (await readFile(EXAMPLE, "utf8")).trim();
    assert.ok(
      docs.includes(`\`\`\`json\n${example}\n\`\`\``),
      "the Scenarios section quotes scenario.json verbatim",
    );
  });

  test("--json gives every event and every call's end", async () => {
    const file = await scenarioFile("json.json", {
      callers: [{ ...CALLER, voice: { file: "voice.wav", atMs: 0 }, hangupAtMs: 1000 }],
      devices: [{ name: "agent-2", number: "+15550003002", answerAfterMs: 500, hangupAtMs: 3000 }],
    });
    const run = await runCli([
      "call",
      "--scenario",
      file,
      "--app-url",
      `${centre.url}/voice`,
      "--fast",
      "--json",
      "--data-dir",
      await dataDir(),
    ]);
    assert.equal(run.code, 0, describeRun(run));
    const parsed = JSON.parse(run.stdout) as {
      fast: boolean;
      calls: Array<{ call: string; status: string; reason: string }>;
      events: Array<{ call: string; runAtMs: number; event: { type: string } }>;
    };
    assert.equal(parsed.fast, true);
    // The first agent of the app is not in this scenario nor in the store: its call fails.
    assert.deepEqual(
      parsed.calls.map((c) => [c.call, c.status, c.reason]),
      [
        ["caller-1", "completed", "farEndHangup"],
        ["+15550003001", "failed", "failed"],
        ["agent-2", "completed", "farEndHangup"],
      ],
    );
    assert.equal(parsed.events[0]?.event.type, "started");
  });

  test("a call the app fails makes the run fail: exit 1, the call named", async () => {
    const file = await scenarioFile("broken.json", { callers: [{ name: "eve", ...CALLER }] });
    const run = await runCli([
      "call",
      "--scenario",
      file,
      "--app-url",
      `${broken.url}/voice`,
      "--fast",
      "--data-dir",
      await dataDir(),
    ]);
    assert.equal(run.code, 1, describeRun(run));
    assert.match(run.stdout, /^ {2}eve +CA[0-9a-f]{40} {2}failed \(appInvalidPercl\)/m);
    assert.match(run.stderr, /belay call: eve \(CA[0-9a-f]{40}\) failed \(appInvalidPercl\): /);
  });

  test("invalid scenario files: exit 2, the file and the field named, nothing dialled", async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ["not-json.json", "{ callers: [", /not-json\.json: is not valid JSON: /],
      ["no-callers.json", { devices: [] }, /no-callers\.json: callers: /],
      [
        "bad-number.json",
        { callers: [{ from: "5550001001", to: CALLER.to }] },
        /bad-number\.json: callers\[0\]\.from: must be an E\.164 number/,
      ],
      [
        "typo.json",
        { callers: [{ ...CALLER, hangUpAtMs: 1000 }] },
        /typo\.json: callers\[0\]: Unrecognized key: "hangUpAtMs"/,
      ],
      [
        "seconds.json",
        { callers: [{ ...CALLER, keys: [{ keys: "1", atMs: 1.5 }] }] },
        /seconds\.json: callers\[0\]\.keys\[0\]\.atMs: must be a whole number of milliseconds/,
      ],
      [
        "twice.json",
        {
          callers: [CALLER],
          devices: [{ number: "+15550003001" }, { number: "+15550003001", mode: "busy" }],
        },
        /twice\.json: devices\[1\]\.number: \+15550003001 is already devices\[0\]/,
      ],
      [
        "no-wav.json",
        { callers: [CALLER], devices: [{ number: "+15550003001", voice: { file: "missing.wav" } }] },
        /no-wav\.json: devices\[0\]\.voice\.file: cannot read .*missing\.wav: ENOENT/,
      ],
    ];
    await Promise.all(
      cases.map(async ([name, content, message]) => {
        const file = await scenarioFile(name, content);
        const run = await runCli(["call", "--scenario", file, "--fast", "--data-dir", await dataDir()]);
        assert.equal(run.code, 2, describeRun(run));
        assert.match(run.stderr, message);
        assert.equal(run.stdout, "", "nothing ran");
      }),
    );
    const missing = await runCli(["call", "--scenario", path.join(files, "nowhere.json"), "--fast"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere\.json: cannot read it: ENOENT/);
  });

  test("flags of a single caller cannot be mixed with --scenario", async () => {
    const run = await runCli([
      "call",
      "--scenario",
      EXAMPLE,
      "--audio",
      "x.wav",
      "--hangup-at",
      "3",
      "--fast",
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--audio, --hangup-at cannot be used with --scenario/);
  });
});
