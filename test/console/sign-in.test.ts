import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import {
  createAccount,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { launchBrowser, screenshot, signedInPage } from "./browser.js";
import { callAs } from "./calls.js";

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

test("two accounts signed in side by side each see only their own calls", async () => {
  const first = belay.belay.account;
  const second = await createAccount(belay.belay, "second");
  const firstCall = await callAs(belay.belay, first, `${app.url}/voice`);
  const secondCall = await callAs(belay.belay, second, `${app.url}/voice`);

  const firstPage = await signedInPage(browser, base, first);
  const secondPage = await signedInPage(browser, base, second);
  await firstPage.waitForSelector(`tr[data-call-id="${firstCall}"]`);
  await secondPage.waitForSelector(`tr[data-call-id="${secondCall}"]`);
  assert.equal(await firstPage.locator(`tr[data-call-id="${secondCall}"]`).count(), 0);
  assert.equal(await secondPage.locator(`tr[data-call-id="${firstCall}"]`).count(), 0);
  assert.equal(await secondPage.textContent("[data-testid=account-id]"), "second");
  await screenshot(firstPage, "calls");

  // The other account's call is not reachable by its address either.
  await firstPage.goto(`${base}/console#/calls/${secondCall}`);
  await firstPage.waitForSelector(".error");
  assert.equal(await firstPage.locator("[data-testid=timeline] li").count(), 0);
  await firstPage.context().close();
  await secondPage.context().close();
});

test("a wrong API key is refused in plain words, and sign-out ends the session", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // With or without the trailing slash.
  await page.goto(`${base}/console/`);
  assert.equal(new URL(page.url()).pathname, "/console");
  await page.fill("input[name=accountId]", belay.belay.account.accountId);
  await page.fill("input[name=apiKey]", "not-the-key");
  await page.click("button[type=submit]");
  const alert = await page.waitForSelector("[role=alert]");
  assert.match((await alert.textContent()) ?? "", /account id or API key is wrong/);
  await screenshot(page, "sign-in");

  await page.fill("input[name=apiKey]", belay.belay.account.apiKey);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=account-id]");
  const cookie = (await context.cookies()).find((c) => c.name === "belay_console");
  assert.ok(cookie, "a session cookie is set");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(cookie.path, "/console");
  assert.ok(!page.url().includes(belay.belay.account.apiKey), "no secret in the URL");

  await page.click("text=Sign out");
  await page.waitForSelector("input[name=apiKey]");
  await page.reload();
  await page.waitForSelector("input[name=apiKey]");
  await context.close();
});
