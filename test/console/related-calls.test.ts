import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { authOf, type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { launchBrowser, screenshot, signedInPage } from "./browser.js";

const AGENT = "+15550004444";

let belay: TestBelay;
let browser: Browser;
let app: ScriptedApp;
let base: string;

before(async () => {
  belay = await startBelay();
  base = belay.belay.publicUrl();
  app = await startScriptedApp({
    "/voice": (_hit, url) => ({
      body: [
        {
          OutDial: {
            destination: AGENT,
            callingNumber: "+15550002222",
            actionUrl: `${url}/dialled`,
            callConnectUrl: `${url}/connect`,
          },
        },
      ],
    }),
    "/dialled": () => ({ body: [{ Hangup: {} }] }),
    "/connect": () => ({ body: [{ Hangup: {} }] }),
    "/conference": (_hit, url) => ({
      body: [{ CreateConference: { actionUrl: `${url}/created`, playBeep: "never", alias: "standup" } }],
    }),
    "/created": (hit) => ({ body: [{ AddToConference: { conferenceId: hit.body.conferenceId } }] }),
  });
  const device = await fetch(`${base}/belay/v1/devices`, {
    method: "POST",
    headers: { authorization: authOf(belay.belay), "content-type": "application/json" },
    body: JSON.stringify({ phoneNumber: AGENT, answerAfterMs: 500 }),
  });
  assert.equal(device.status, 201, await device.text());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await belay?.stop();
});

test("an OutDial's child call is linked from its parent's timeline, and back", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.click("text=Place a call");
  await page.fill("input[name=appUrl]", `${app.url}/voice`);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  const parentId = new URL(page.url()).hash.split("/")[2] as string;
  const link = await page.waitForSelector("[data-testid=timeline] li[data-type=outDial] a");
  assert.match(
    (await page.textContent("[data-testid=timeline] li[data-type=outDial]")) ?? "",
    /OutDial to \+15550004444/,
  );
  const childHref = (await link.getAttribute("href")) ?? "";
  const childId = childHref.split("/")[2] as string;
  assert.match(childId, /^CA[0-9a-f]{40}$/);
  assert.notEqual(childId, parentId);
  // The parent's facts list the child too, once stored.
  await page.waitForSelector(`dl.facts a[href="#/calls/${childId}"]`);
  await screenshot(page, "call-parent");

  await link.click();
  await page.waitForSelector(`dl.facts a[href="#/calls/${parentId}"]`);
  await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  const started = await page.textContent("[data-testid=timeline] li[data-type=started]");
  assert.match(started ?? "", /outbound/);
  await page.context().close();
});

test("a call in a conference links to the conference, whose page lists it while it is in", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.click("text=Place a call");
  await page.fill("input[name=appUrl]", `${app.url}/conference`);
  await page.uncheck("input[name=fast]");
  await page.click("button[type=submit]");
  const joined = await page.waitForSelector(
    "[data-testid=timeline] li[data-type=conference]:has-text('joined') a",
  );
  const callId = new URL(page.url()).hash.split("/")[2] as string;
  const conferenceId = ((await joined.getAttribute("href")) ?? "").split("/")[2] as string;
  assert.match(conferenceId, /^CF[0-9a-f]{40}$/);
  await joined.click();
  await page.waitForSelector(`[data-testid=participants] a[href="#/calls/${callId}"]`);
  assert.match((await page.textContent("[data-testid=conference]")) ?? "", /standup/);
  await screenshot(page, "conference");

  await page.click(`[data-testid=participants] a[href="#/calls/${callId}"]`);
  await page.click("button:text('Hang up')");
  await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  await page.waitForSelector(`dl.facts a[href="#/conferences/${conferenceId}"]`);
  await page.context().close();
});
