import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { routeNumber } from "../helpers/route-number.js";
import { describeRun, runCli } from "./run-cli.js";

/** `belay call --to` without --app-url: the number's application answers, as for any inbound call. */

const NUMBER = "+15550008888";
let app: ScriptedApp;
let folder: { dir: string; remove(): Promise<void> };

before(async () => {
  app = await startScriptedApp({ "/voice": () => ({ body: [{ Say: { text: "Routed by number." } }] }) });
  folder = await tempDir("cli-routing");
  // The number and its application, put in the data folder as the REST API would.
  const belay = await createBelay(resolveConfig({ dataDir: folder.dir, port: 0, logLevel: "silent" }, {}));
  try {
    await routeNumber(belay, {
      phoneNumber: NUMBER,
      alias: null,
      voiceUrl: `${app.url}/voice`,
      statusCallbackUrl: `${app.url}/status`,
    });
  } finally {
    await belay.close();
  }
});

after(async () => {
  await app?.close();
  await folder?.remove();
});

test("the call goes to the number's voiceUrl and its callStatus to the statusCallbackUrl", async () => {
  const run = await runCli(["call", "--to", NUMBER, "--fast", "--data-dir", folder.dir]);
  assert.equal(run.code, 0, describeRun(run));
  assert.match(run.stdout, new RegExp(`webhook inboundCall → ${app.url}/voice  200`));
  assert.match(run.stdout, new RegExp(`webhook callStatus → ${app.url}/status  queued for delivery`));
  assert.match(run.stdout, /ended: completed \(appHangup\)/);
});

test("a number Belay does not have is refused with the reason, and no call is made", async () => {
  const run = await runCli(["call", "--to", "+15550009999", "--fast", "--data-dir", folder.dir]);
  assert.equal(run.code, 2, describeRun(run));
  assert.match(run.stderr, /no number \+15550009999 in this account: the call is rejected/);
  assert.equal(run.stdout, "");
});
