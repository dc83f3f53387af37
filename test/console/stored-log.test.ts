import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { launchBrowser, screenshot, signedInPage } from "./browser.js";
import { callAs } from "./calls.js";

let browser: Browser;
let app: ScriptedApp;
let folder: { dir: string; remove(): Promise<void> };

const config = () => resolveConfig({ dataDir: folder.dir, port: 0, logLevel: "silent", sipPort: 0 }, {});

before(async () => {
  folder = await tempDir("console-restart");
  app = await startScriptedApp({
    "/voice": (_hit, url) => ({
      body: [{ GetDigits: { actionUrl: `${url}/digits`, maxDigits: 1, prompts: [] } }],
    }),
    "/digits": () => ({ body: [{ Hangup: {} }] }),
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await folder?.remove();
});

test("after a restart a call's page shows its stored log in place of the timeline", async () => {
  const first = await createBelay(config());
  await first.listen();
  const callId = await callAs(first, first.account, `${app.url}/voice`, { dtmf: [{ keys: "5", atMs: 300 }] });
  await first.callLogs.settled();
  await first.close();

  const second = await createBelay(config());
  try {
    await second.listen();
    const page = await signedInPage(browser, second.publicUrl(), second.account);
    await page.goto(`${second.publicUrl()}/console#/calls/${callId}`);
    await page.waitForSelector("[data-testid=call-log] li");
    const entries = await page.$$eval("[data-testid=call-log] li strong", (items) =>
      items.map((item) => item.textContent ?? ""),
    );
    assert.match(entries[0] ?? "", /^inboundCall webhook: POST .*\/voice answered 200/);
    assert.match(entries[1] ?? "", /^getDigits webhook: POST .*\/digits answered 200/);
    assert.match(entries.at(-1) ?? "", /^call ended: completed/);
    assert.match((await page.textContent("main")) ?? "", /no longer in memory/);
    await screenshot(page, "call-stored-log");
    await page.context().close();
  } finally {
    await second.close();
  }
});
