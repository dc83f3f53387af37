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
  // Editing starts from the number's application, so saving an alias keeps it.
  await page.click("[data-testid=numbers] button:text('Edit')");
  assert.equal(await page.inputValue("select[name=applicationId]"), application?.applicationId);
  await page.fill("input[name=alias]", "Support");
  await page.click("button:text('Save')");
  await page.waitForSelector("[data-testid=numbers] td:text-is('Support')");
  assert.equal(await page.textContent("[data-testid=numbers] tbody tr td:nth-child(3)"), "Voicemail");

  await page.click("text=Devices");
  await page.fill("input[name=phoneNumber]", "+15550003333");
  await page.selectOption("select[name=mode]", "busy");
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=devices] td:text('busy')");
  assert.equal((await belay.belay.store.devices.get(accountId, "+15550003333"))?.mode, "busy");
  await screenshot(page, "devices");

  // Edit it in place (POST /belay/v1/devices/{number}): the form starts from what it is now.
  const row = "[data-testid=devices] tr[data-device='+15550003333']";
  await page.click(`${row} button:text('Edit')`);
  await page.waitForSelector("h2:text('Edit +15550003333')");
  assert.equal(await page.inputValue("select[name=mode]"), "busy");
  assert.equal(
    await page.locator("input[name=phoneNumber]").count(),
    0,
    "the number is the id: not editable",
  );
  await page.selectOption("select[name=mode]", "answer");
  await page.fill("input[name=answerAfterSec]", "2.5");
  await page.fill("input[name=hangupAfterSec]", "12");
  await screenshot(page, "devices-edit");
  await page.click("button:text('Save')");
  await page.waitForSelector(`${row} td:text('12 s')`);
  assert.deepEqual((await page.locator(`${row} td`).allTextContents()).slice(0, 4), [
    "+15550003333",
    "answer",
    "2.5 s",
    "12 s",
  ]);
  const edited = await belay.belay.store.devices.get(accountId, "+15550003333");
  assert.deepEqual(
    [edited?.mode, edited?.answerAfterMs, edited?.hangupAtMs, edited?.revision],
    ["answer", 2500, 12000, 2],
  );
  // Emptying the hang-up removes it.
  await page.click(`${row} button:text('Edit')`);
  assert.equal(await page.inputValue("input[name=hangupAfterSec]"), "12");
  await page.fill("input[name=hangupAfterSec]", "");
  await page.click("button:text('Save')");
  await page.waitForSelector(`${row} td:text('12 s')`, { state: "detached" });
  assert.equal((await belay.belay.store.devices.get(accountId, "+15550003333"))?.hangupAtMs, null);
  await page.waitForSelector("h2:text('Add a device')");
  await screenshot(page, "devices-edited");

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
