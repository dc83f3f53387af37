/**
 * The console tests' browser: Debian's chromium driven by playwright-core (no browser download;
 * .ci/run installs chromium). Screenshots go to test-results/console/, which CI keeps.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import type { AccountRow } from "../../src/store/types.js";

export const SCREENSHOTS = fileURLToPath(new URL("../../test-results/console/", import.meta.url));
const CHROMIUM = process.env.BELAY_CHROMIUM ?? "/usr/bin/chromium";

/** Chromium's stand-in microphone (a beeping fake device), granted without a prompt. */
export const FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"];

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (or set BELAY_CHROMIUM)`);
  // --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", ...extraArgs] });
}

/** A fresh browser context (its own cookies) at the console, signed in as `account`. */
export async function signedInPage(browser: Browser, base: string, account: AccountRow): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.fill("input[name=accountId]", account.accountId);
  await page.fill("input[name=apiKey]", account.apiKey);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=account-id]");
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
