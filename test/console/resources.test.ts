import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { launchBrowser, screenshot, signedInPage } from "./browser.js";

let belay: TestBelay;
let browser: Browser;
let app: ScriptedApp;
let base: string;

before(async () => {
  belay = await startBelay();
  base = belay.belay.publicUrl();
  app = await startScriptedApp({ "/voice": () => ({ body: [{ Hangup: {} }] }) });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await belay?.stop();
});

test("applications, numbers and devices are created and edited from the pages, then called", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  const { accountId } = belay.belay.account;

  await page.click("text=Applications");
  await page.fill("input[name=alias]", "Voicemail");
  await page.fill("input[name=voiceUrl]", `${app.url}/voice`);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=applications] td:text('Voicemail')");
  await page.click("[data-testid=applications] button:text('Edit')");
  await page.fill("input[name=statusCallbackUrl]", `${app.url}/status`);
  await page.click("button:text('Save')");
  await page.waitForSelector(`[data-testid=applications] td:text('${app.url}/status')`);
  const [application] = await belay.belay.store.applications.list(accountId, {}, {}).then((r) => r.items);
  assert.equal(application?.statusCallbackUrl, `${app.url}/status`);
  await screenshot(page, "applications");

  await page.click("text=Numbers");
  await page.fill("input[name=phoneNumber]", "+15550002222");
  await page.fill("input[name=alias]", "Support line");
  await page.selectOption("select[name=applicationId]", { label: "Voicemail" });
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=numbers] td:text('Support line')");
  assert.equal(await page.textContent("[data-testid=numbers] tbody tr td:nth-child(3)"), "Voicemail");
  await screenshot(page, "numbers");

  await page.click("text=Devices");
  await page.fill("input[name=phoneNumber]", "+15550003333");
  await page.selectOption("select[name=mode]", "busy");
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=devices] td:text('busy')");
  assert.equal((await belay.belay.store.devices.get(accountId, "+15550003333"))?.mode, "busy");
  await screenshot(page, "devices");

  // The number routes a call placed from the page to the application just made.
  await page.click("text=Place a call");
  await page.waitForSelector("select[name=number] option[value='+15550002222']", { state: "attached" });
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  const inbound = app.hits.filter((hit) => hit.path === "/voice");
  assert.equal(inbound.length, 1);
  const callId = new URL(page.url()).hash.split("/")[2] as string;
  assert.equal(
    (await belay.belay.store.calls.get(accountId, callId))?.applicationId,
    application?.applicationId,
  );
  await page.context().close();
});
