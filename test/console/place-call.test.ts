import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { launchBrowser, screenshot, signedInPage } from "./browser.js";
import { callAs } from "./calls.js";

let belay: TestBelay;
let browser: Browser;
let app: ScriptedApp;
let base: string;

before(async () => {
  belay = await startBelay();
  base = belay.belay.publicUrl();
  app = await startScriptedApp({
    "/voice": (_hit, url) => ({
      body: [{ GetDigits: { actionUrl: `${url}/digits`, maxDigits: 1, prompts: [] } }],
    }),
    "/digits": () => ({ body: [{ Hangup: {} }] }),
    "/wait": (_hit, url) => ({
      body: [
        { GetDigits: { actionUrl: `${url}/digits`, maxDigits: 1, initialTimeoutMs: 600_000, prompts: [] } },
      ],
    }),
    "/private": (_hit, url) => ({
      body: [{ GetDigits: { actionUrl: `${url}/digits`, maxDigits: 4, privacyMode: true, prompts: [] } }],
    }),
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await belay?.stop();
});

test("a call placed elsewhere appears on the open Calls page, pushed by the server", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.waitForSelector("[data-testid=live].on");
  const callId = await callAs(belay.belay, belay.belay.account, `${app.url}/voice`, {
    dtmf: [{ keys: "3", atMs: 500 }],
  });
  const row = await page.waitForSelector(`tr[data-call-id="${callId}"] .status-completed`);
  assert.equal(await row.textContent(), "completed");
  // Filters: a status it does not have hides the call, its own shows it.
  await page.selectOption("select[name=status]", "failed");
  await page.waitForSelector(`tr[data-call-id="${callId}"]`, { state: "detached" });
  await page.selectOption("select[name=status]", "completed");
  await page.fill("input[name=from]", "+15550001111");
  await page.press("input[name=from]", "Enter");
  await page.waitForSelector(`tr[data-call-id="${callId}"]`);
  await page.fill("input[name=from]", "+19990000000");
  await page.press("input[name=from]", "Enter");
  await page.waitForSelector(`tr[data-call-id="${callId}"]`, { state: "detached" });
  await page.context().close();
});

test("after the stream drops and comes back, the list has the calls made meanwhile", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.waitForSelector("[data-testid=live].on");
  // Hold the page's reconnection until the call below has run, so it happens while the stream is down.
  let release: () => void = () => undefined;
  const placed = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route("**/console/api/events", async (route) => {
    await placed;
    await route.continue();
  });
  belay.belay.api.server.closeAllConnections();
  await page.waitForSelector("[data-testid=live]:not(.on)");
  const callId = await callAs(belay.belay, belay.belay.account, `${app.url}/voice`, {
    dtmf: [{ keys: "1", atMs: 100 }],
  });
  assert.equal(await page.locator(`tr[data-call-id="${callId}"]`).count(), 0);
  release();
  await page.waitForSelector("[data-testid=live].on");
  await page.waitForSelector(`tr[data-call-id="${callId}"] .status-completed`);
  await page.context().close();
});

test("a virtual call placed from the page fills its timeline: webhooks, keys, commands, end", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.click("text=Place a call");
  await page.fill("input[name=appUrl]", `${app.url}/voice`);
  await page.fill("input[name=keys]", "7@1.5");
  await page.fill("input[name=hangupAfterSec]", "30");
  assert.equal(await page.isChecked("input[name=fast]"), true);
  await screenshot(page, "place-call");
  await page.click("button[type=submit]");

  await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  const callId = new URL(page.url()).hash.split("/")[2];
  assert.match(callId ?? "", /^CA[0-9a-f]{40}$/);
  const rows = await page.$$eval("[data-testid=timeline] li", (items) =>
    items.map((item) => `${item.getAttribute("data-type")}: ${item.querySelector("strong")?.textContent}`),
  );
  assert.deepEqual(
    // Latency is real time even on a simulated clock: only its presence is checked.
    rows.filter((row) => !row.startsWith("status")).map((row) => row.replace(/ in \d+ ms$/, " in N ms")),
    [
      "started: Call started (inbound)",
      "webhook: inboundCall webhook → HTTP 200 in N ms",
      "command: PerCL #1: GetDigits",
      "digit: Key pressed: 7",
      'getDigits: GetDigits collected "7"',
      "webhook: getDigits webhook → HTTP 200 in N ms",
      "command: PerCL #1: Hangup",
      "notification: callStatus notification sent",
      "ended: Call ended: completed",
    ],
  );
  // The app got exactly the key the page scripted.
  const digits = app.hits.filter((hit) => hit.path === "/digits" && hit.body.callId === callId);
  assert.deepEqual(
    digits.map((hit) => hit.body.digits),
    ["7"],
  );
  // Each webhook's request body, as signed and sent, opens under its row (fetched once it is logged).
  await page
    .locator("[data-testid=timeline] li[data-type=webhook] details.request-body")
    .nth(1)
    .waitFor({ state: "attached" });
  const bodies = await page.$$eval(
    "[data-testid=timeline] li[data-type=webhook] details.request-body pre",
    (pres) => pres.map((pre) => JSON.parse(pre.textContent ?? "{}") as Record<string, unknown>),
  );
  assert.deepEqual(
    bodies.map((body) => [body.requestType, body.callId]),
    [
      ["inboundCall", callId],
      ["getDigits", callId],
    ],
  );
  assert.equal(bodies[1]?.digits, "7");
  // And the PerCL each answered, in PerCL's own shape.
  const answers = await page.$$eval(
    "[data-testid=timeline] li[data-type=webhook] details.percl-answer pre",
    (pres) =>
      pres.map(
        (pre) => JSON.parse(pre.textContent ?? "[]") as Array<Record<string, Record<string, unknown>>>,
      ),
  );
  assert.equal(answers.length, 2);
  assert.equal(answers[0]?.[0]?.GetDigits?.actionUrl, `${app.url}/digits`);
  assert.equal(answers[0]?.[0]?.GetDigits?.maxDigits, 1);
  assert.deepEqual(Object.keys(answers[1]?.[0] ?? {}), ["Hangup"]);
  await page.click("[data-testid=timeline] li[data-type=webhook] details.request-body summary");
  await screenshot(page, "call-timeline");
  await page.context().close();
});

test("privacyMode keys are withheld on the page: the key, the digits and the webhook body", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.click("text=Place a call");
  await page.fill("input[name=appUrl]", `${app.url}/private`);
  await page.fill("input[name=keys]", "4321@1");
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  const text = (await page.textContent("[data-testid=timeline]")) ?? "";
  assert.doesNotMatch(text, /4321|Key pressed: [0-9]/);
  assert.match(text, /GetDigits collected \(withheld: privacy mode\)/);
  const summary = page
    .locator("[data-testid=timeline] li[data-type=webhook] details.request-body summary")
    .nth(1);
  await summary.waitFor({ state: "attached" });
  assert.match((await summary.textContent()) ?? "", /privacy-mode input withheld/);
  const bodies = await page.$$eval(
    "[data-testid=timeline] li[data-type=webhook] details.request-body pre",
    (pres) => pres.map((pre) => pre.textContent ?? ""),
  );
  assert.ok(bodies.every((body) => !body.includes("4321")));
  assert.equal((JSON.parse(bodies[1] ?? "{}") as { digits?: unknown }).digits, null);
  // The privacyMode GetDigits the app answered with is withheld as a whole.
  const answer = page.locator("[data-testid=timeline] li[data-type=webhook] details.percl-answer").first();
  await answer.waitFor({ state: "attached" });
  assert.match((await answer.locator("summary").textContent()) ?? "", /privacy-mode commands withheld/);
  assert.deepEqual(JSON.parse((await answer.locator("pre").textContent()) ?? "[]"), [
    { GetDigits: { privacyMode: true, withheld: true } },
  ]);
  // The app itself got the keys: privacyMode keeps them from logs, not from the app.
  const callId = new URL(page.url()).hash.split("/")[2];
  const hit = app.hits.find((h) => h.path === "/digits" && h.body.callId === callId);
  assert.equal(hit?.body.digits, "4321");
  await page.context().close();
});

test("a real-time call placed from the page runs live until the page hangs it up", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.click("text=Place a call");
  await page.fill("input[name=appUrl]", `${app.url}/wait`);
  await page.uncheck("input[name=fast]");
  await page.click("button[type=submit]");
  // The call waits on its GetDigits: answered, live, not ended.
  await page.waitForSelector("[data-testid=timeline] li[data-type=command]");
  await page.waitForSelector("h2 .live.on");
  assert.equal(await page.locator("[data-testid=timeline] li[data-type=ended]").count(), 0);
  await page.click("button:text('Hang up')");
  const ended = await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  assert.match((await ended.textContent()) ?? "", /Call ended: completed/);
  await page.context().close();
});

test("bad input on the form is refused in plain words: a file that is not a WAV, a keys script", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  const hitsBefore = app.hits.length;
  await page.click("text=Place a call");
  await page.fill("input[name=appUrl]", `${app.url}/voice`);
  await page.setInputFiles("input[name=wav]", {
    name: "notes.wav",
    mimeType: "audio/wav",
    buffer: Buffer.from("these are notes, not audio"),
  });
  await page.click("button[type=submit]");
  const alert = await page.waitForSelector("[role=alert]");
  assert.match((await alert.textContent()) ?? "", /^the WAV file: /);
  await page.setInputFiles("input[name=wav]", []);
  await page.fill("input[name=keys]", "12 at 3");
  await page.click("button[type=submit]");
  await page.waitForSelector("[role=alert] >> text=is not keys@seconds");
  // Nothing was placed: the app never heard of either attempt.
  assert.equal(app.hits.length, hitsBefore);
  assert.match(new URL(page.url()).hash, /^#\/place$/);
  await page.context().close();
});
