import assert from "node:assert/strict";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { startVoicemailApp, type VoicemailApp } from "../../examples/voicemail/app.js";
import { closedPort, tempDir } from "../e2e/harness.js";
import { describeRun, runCli, startCli } from "./run-cli.js";

/** `belay serve` in the background, and `belay call` finding it through the data folder. */

let folder: { dir: string; remove(): Promise<void> };
let app: VoicemailApp | undefined;

before(async () => {
  folder = await tempDir("serve");
});

after(async () => {
  await app?.close();
  await folder?.remove();
});

test("serve prints its banner, `belay call` uses it, SIGTERM stops it with exit 0", async () => {
  const port = await closedPort();
  // SIP off: a test must not depend on UDP 5060 being free (interop tests cover serve with SIP).
  const server = startCli([
    "serve",
    "--data-dir",
    folder.dir,
    "--port",
    String(port),
    "--sip-port",
    "0",
    "--log-level",
    "warn",
  ]);
  try {
    const [banner] = await server.waitForStdout(/Belay is listening[\s\S]*REST API\s+\S+\n/);
    const url = /Belay is listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(banner);
    assert.ok(url, banner);
    assert.equal(Number(url[2]), port);
    const accountId = /account id\s+(AC[0-9a-f]{40})\n/.exec(banner)?.[1];
    const apiKey = /API key\s+(\S+)\n/.exec(banner)?.[1];
    const secret = /signing secret\s+(sigsec_[0-9a-f]{40})\n/.exec(banner)?.[1];
    assert.ok(accountId && apiKey && secret, banner);
    assert.match(banner, new RegExp(`data folder\\s+${folder.dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`));
    assert.match(banner, new RegExp(`REST API\\s+${url[1]}/apiserver\n`));
    const serverFile = JSON.parse(await readFile(path.join(folder.dir, "server.json"), "utf8")) as {
      url: string;
    };
    assert.equal(serverFile.url, url[1]);

    // The printed credentials work against the REST API.
    const auth = `Basic ${Buffer.from(`${accountId}:${apiKey}`).toString("base64")}`;
    const account = await fetch(`${url[1]}/apiserver/Accounts/${accountId}/Calls`, {
      headers: { authorization: auth },
    });
    assert.equal(account.status, 200);

    // No --api-url: the call goes to the server found in the data folder, which signs with its secret.
    app = await startVoicemailApp({ port: 0, signingSecret: secret, greeting: "Hi." });
    const call = await runCli([
      "call",
      "--fast",
      "--app-url",
      `${app.url}/voice`,
      "--dtmf",
      "#@2",
      "--data-dir",
      folder.dir,
    ]);
    assert.equal(call.code, 0, describeRun(call));
    assert.match(call.stdout, /ended: completed \(appHangup\)/);
    const record = app.received.find((r) => r.path === "/recorded");
    assert.ok(record, "the app received the record webhook");
    assert.equal(record.verified, true, "signed with the server's secret");
    assert.ok(
      String(record.body.recordingUrl).startsWith(`${url[1]}/apiserver/Accounts/${accountId}/Recordings/`),
    );
    const calls = (await (
      await fetch(`${url[1]}/apiserver/Accounts/${accountId}/Calls`, { headers: { authorization: auth } })
    ).json()) as { total: number };
    assert.equal(calls.total, 1, "the server itself made the call");

    server.child.kill("SIGTERM");
    const exit = await server.exited;
    assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr);
    await assert.rejects(access(path.join(folder.dir, "server.json")), "server.json is removed on shutdown");
  } finally {
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
  }
});

test("serve refuses a port that is not a number: exit 2", async () => {
  const run = await runCli(["serve", "--data-dir", folder.dir, "--port", "80a"]);
  assert.equal(run.code, 2, describeRun(run));
  assert.match(run.stderr, /--port "80a" must be a port number/);
});

test("serve refuses a --media-workers or BELAY_MEDIA_WORKERS that is not a whole number to 64: exit 2", async () => {
  for (const value of ["x", "65", "-1"]) {
    const flag = await runCli(["serve", "--data-dir", folder.dir, "--media-workers", value]);
    assert.equal(flag.code, 2, describeRun(flag));
    assert.match(flag.stderr, new RegExp(`--media-workers "${value}" must be a whole number from 0 to 64`));
  }
  const env = await runCli(["serve", "--data-dir", folder.dir], { BELAY_MEDIA_WORKERS: "abc" });
  assert.equal(env.code, 2, describeRun(env));
  assert.match(env.stderr, /BELAY_MEDIA_WORKERS "abc" must be a whole number/);
});

test("serve refuses a webhook log retention that is not a duration: exit 2", async () => {
  const run = await runCli(["serve", "--data-dir", folder.dir, "--webhook-log-retention", "7w"]);
  assert.equal(run.code, 2, describeRun(run));
  assert.match(run.stderr, /--webhook-log-retention "7w" must be a duration above zero/);
});

test("serve refuses a --webhook-deny or BELAY_WEBHOOK_ALLOW that is not an address range: exit 2", async () => {
  const flag = await runCli(["serve", "--data-dir", folder.dir, "--webhook-deny", "10.0.0.0/8,10.0.0.0/40"]);
  assert.equal(flag.code, 2, describeRun(flag));
  assert.match(flag.stderr, /--webhook-deny "10\.0\.0\.0\/40" is not an address range/);
  const env = await runCli(["serve", "--data-dir", folder.dir], { BELAY_WEBHOOK_ALLOW: "link-local" });
  assert.equal(env.code, 2, describeRun(env));
  assert.match(env.stderr, /BELAY_WEBHOOK_ALLOW "link-local" is not an address range/);
});

test("serve --webhook-deny 127.0.0.0/8 refuses a loopback app: `belay call` ends with webhookFailed", async () => {
  const data = await tempDir("serve-deny");
  const server = startCli([
    "serve",
    "--data-dir",
    data.dir,
    "--port",
    "0",
    "--sip-port",
    "0",
    "--log-level",
    "warn",
    "--webhook-deny",
    "192.0.2.0/24",
    "--webhook-deny",
    "127.0.0.0/8,::1",
  ]);
  const loopbackApp = await startVoicemailApp({ port: 0, signingSecret: "unused", greeting: "Hi." });
  try {
    await server.waitForStdout(/REST API\s+\S+\n/);
    const call = await runCli([
      "call",
      "--fast",
      "--app-url",
      `${loopbackApp.url}/voice`,
      "--data-dir",
      data.dir,
    ]);
    assert.equal(call.code, 1, describeRun(call));
    assert.match(
      call.stdout,
      /refused by the webhook target policy: 127\.0\.0\.1 is in --webhook-deny 127\.0\.0\.0\/8/,
    );
    assert.match(call.stdout, /ended: failed \(webhookFailed\)/);
    assert.deepEqual(loopbackApp.received, [], "the app got nothing");
    server.child.kill("SIGTERM");
    const exit = await server.exited;
    assert.equal(exit.code, 0, exit.stderr);
    const refusal = exit.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.policy === "webhook target policy");
    assert.ok(refusal, exit.stdout);
    assert.deepEqual([refusal.address, refusal.rule], ["127.0.0.1", "--webhook-deny 127.0.0.0/8"]);
  } finally {
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
    await loopbackApp.close();
    await data.remove();
  }
});
