import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { FROM, type ScriptedApp, startBelay, startScriptedApp, type TestBelay, TO } from "../e2e/harness.js";
import { launchBrowser, screenshot, signedInPage } from "./browser.js";
import { callAs } from "./calls.js";

/**
 * The Calls page asks the server for the calls matching its filters (the REST list, through the
 * console's bridge), a page at a time, while the event stream adds and changes only the calls
 * that match.
 */

let belay: TestBelay;
let browser: Browser;
let app: ScriptedApp;
let base: string;
const OTHER = "+15550004444";
const SALES_NUMBER = "+15550005555";
/** Placed in before(): calls from FROM that complete, one from OTHER that fails, one from OTHER to Sales. */
const fromMain: string[] = [];
let failed: string;
let sales: string;
let salesAppId: string;

before(async () => {
  belay = await startBelay();
  base = belay.belay.publicUrl();
  app = await startScriptedApp({
    "/voice": () => ({ body: [{ Hangup: {} }] }),
    "/broken": () => ({ status: 500, body: "" }),
  });
  const { account } = belay.belay;
  const rest = `/apiserver/Accounts/${account.accountId}`;
  const application = await belay.belay.store.applications.list(account.accountId, {}, {});
  assert.equal(application.total, 0);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${rest}/${path}`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${account.accountId}:${account.apiKey}`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
    assert.ok(response.ok, await response.clone().text());
    return (await response.json()) as Record<string, string>;
  };
  salesAppId = (await post("Applications", { alias: "Sales", voiceUrl: `${app.url}/voice` }))
    .applicationId as string;
  await post("IncomingPhoneNumbers", { phoneNumber: SALES_NUMBER, applicationId: salesAppId });
  for (let i = 0; i < 11; i++) fromMain.push(await callAs(belay.belay, account, `${app.url}/voice`));
  failed = await callAs(belay.belay, account, `${app.url}/broken`, { from: OTHER });
  sales = await callAs(belay.belay, account, "", { appUrl: undefined, from: OTHER, to: SALES_NUMBER });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await belay?.stop();
});

/** The call ids the table shows, sorted. */
async function shownCalls(page: Page): Promise<string[]> {
  const ids = await page
    .locator("[data-testid=calls] tbody tr")
    .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-call-id") ?? ""));
  return ids.sort();
}

/** Waits until the table shows exactly `expected` (rows come from the server, then the stream). */
async function expectCalls(page: Page, expected: string[]): Promise<void> {
  const want = [...expected].sort();
  await page.waitForFunction(
    (ids) => {
      // Runs in the page; this file is type-checked without the DOM's types.
      const { document } = globalThis as unknown as {
        document: { querySelectorAll(s: string): ArrayLike<{ getAttribute(name: string): string | null }> };
      };
      const rows = Array.from(document.querySelectorAll("[data-testid=calls] tbody tr"));
      return (
        JSON.stringify(rows.map((row) => row.getAttribute("data-call-id")).sort()) === JSON.stringify(ids)
      );
    },
    want,
    { timeout: 10_000 },
  );
  assert.deepEqual(await shownCalls(page), want);
}

async function filterText(page: Page, name: string, value: string): Promise<void> {
  await page.fill(`input[name=${name}]`, value);
  await page.press(`input[name=${name}]`, "Enter");
}

test("the filters ask the server and show exactly the matching calls; live calls join only if they match", async () => {
  assert.equal((await belay.belay.store.calls.get(belay.belay.account.accountId, failed))?.status, "failed");
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.waitForSelector("[data-testid=live].on");
  await expectCalls(page, [...fromMain, failed, sales]);
  assert.equal(await page.textContent("[data-testid=calls-count]"), "13 shown");

  await filterText(page, "from", OTHER);
  await expectCalls(page, [failed, sales]);
  await page.selectOption("select[name=status]", "failed");
  await expectCalls(page, [failed]);
  await page.selectOption("select[name=status]", "completed");
  await expectCalls(page, [sales]);
  await filterText(page, "from", "");
  await page.selectOption("select[name=applicationId]", { label: "Sales" });
  await expectCalls(page, [sales]);
  await page.selectOption("select[name=applicationId]", "");
  await filterText(page, "to", TO);
  await expectCalls(page, fromMain);
  await filterText(page, "to", SALES_NUMBER);
  await expectCalls(page, [sales]);
  await filterText(page, "to", "");

  // Time range: the server's startTime filter (the page sends a UTC range).
  await page.fill("input[name=until]", "2001-01-01T00:00");
  await page.waitForSelector("text=No calls match these filters.");
  await expectCalls(page, []);
  await page.fill("input[name=until]", "2100-01-01T00:00");
  await page.fill("input[name=since]", "2001-01-01T00:00");
  await expectCalls(page, fromMain.concat(sales));
  await page.fill("input[name=since]", "");
  await page.fill("input[name=until]", "");

  // While "from OTHER, completed" is on: a new call from FROM stays out, one from OTHER comes in.
  await page.selectOption("select[name=status]", "completed");
  await filterText(page, "from", OTHER);
  await expectCalls(page, [sales]);
  const notMatching = await callAs(belay.belay, belay.belay.account, `${app.url}/voice`);
  const matching = await callAs(belay.belay, belay.belay.account, `${app.url}/voice`, { from: OTHER });
  // The stream carries calls in order, so once the second is shown the first has been seen too.
  await expectCalls(page, [sales, matching]);
  assert.equal(await page.locator(`tr[data-call-id="${notMatching}"]`).count(), 0);
  fromMain.push(notMatching);
  await screenshot(page, "calls-filtered");
  await page.context().close();
});

test("a page at a time: Load more brings the next page of the same filter", async () => {
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.waitForSelector("[data-testid=live].on");
  await page.selectOption("select[name=pageSize]", "10");
  await filterText(page, "from", FROM);
  const all = await belay.belay.store.calls.list(
    belay.belay.account.accountId,
    { from: FROM },
    { limit: 100 },
  );
  const expected = all.items.map((row) => row.callId);
  assert.ok(expected.length > 10, `${expected.length} calls from ${FROM}`);
  await expectCalls(page, expected.slice(0, 10));
  assert.equal(
    await page.textContent("[data-testid=calls-count]"),
    `10 shown, ${expected.length - 10} more on the server`,
  );
  await screenshot(page, "calls-page-one");
  await page.click(`button:text('Load ${expected.length - 10} more')`);
  await expectCalls(page, expected);
  assert.equal(await page.textContent("[data-testid=calls-count]"), `${expected.length} shown`);
  assert.equal(
    await page.locator("button:text-matches('Load .* more')").count(),
    0,
    "no page after the last",
  );
  await screenshot(page, "calls-paged");
  await page.context().close();
});
