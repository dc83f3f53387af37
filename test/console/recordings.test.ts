import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { readWav } from "../../src/media/wav-read.js";
import { encodeWav } from "../../src/media/wav-write.js";
import {
  authOf,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  tempDir,
} from "../e2e/harness.js";
import { FAKE_MICROPHONE, launchBrowser, screenshot, signedInPage } from "./browser.js";

let belay: TestBelay;
let browser: Browser;
let app: ScriptedApp;
let base: string;
let folder: { dir: string; remove(): Promise<void> };

before(async () => {
  belay = await startBelay();
  base = belay.belay.publicUrl();
  app = await startScriptedApp({
    "/voice": (_hit, url) => ({
      body: [{ RecordUtterance: { actionUrl: `${url}/recorded`, finishOnKey: "#", maxLengthSec: 30 } }],
    }),
    "/recorded": () => ({ body: [{ Hangup: {} }] }),
  });
  browser = await launchBrowser();
  folder = await tempDir("console-wav");
});

after(async () => {
  await browser?.close();
  await app?.close();
  await belay?.stop();
  await folder?.remove();
});

// What the checks run in the page read of the DOM (the tests compile without the DOM's types).
interface AudioLike {
  readyState: number;
  duration: number;
  error: { code: number } | null;
  addEventListener(type: string, listener: () => void): void;
}
interface CanvasLike {
  width: number;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
interface DocumentLike {
  querySelector(selector: string): unknown;
}

/** 2 s of a 440 Hz tone at 8 kHz, loud enough to draw. */
function tone(): Int16Array {
  const pcm = new Int16Array(16_000);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(12_000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return pcm;
}

test("a recording made by a call placed from the page plays, draws its waveform and shares a link", async () => {
  const wav = path.join(folder.dir, "caller.wav");
  await writeFile(wav, encodeWav(tone()));
  const page = await signedInPage(browser, base, belay.belay.account);
  await page.click("text=Place a call");
  await page.fill("input[name=appUrl]", `${app.url}/voice`);
  await page.setInputFiles("input[name=wav]", wav);
  await page.fill("input[name=keys]", "#@2.5");
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
  const listen = await page.waitForSelector("[data-testid=timeline] li[data-type=recording] a");
  const recorded = app.hits.find((hit) => hit.path === "/recorded");
  assert.equal(recorded?.body.termReason, "finishKey");
  const recordingId = recorded?.body.recordingId as string;
  assert.equal(await listen.getAttribute("href"), `#/recordings/${recordingId}`);

  await listen.click();
  await page.waitForSelector("[data-testid=waveform][data-drawn=true]");
  const duration = await page.$eval("[data-testid=player]", (element) => {
    const audio = element as unknown as AudioLike;
    return new Promise<number>((resolve, reject) => {
      if (audio.readyState >= 1) resolve(audio.duration);
      audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
      audio.addEventListener("error", () => reject(new Error(`audio error ${audio.error?.code}`)));
    });
  });
  // The caller's 2 s tone then silence until # at 2.5 s.
  assert.ok(duration > 2 && duration < 3.5, `duration ${duration}`);
  // The tone drew: the canvas holds many wave-coloured pixels well off the middle line.
  const inked = await page.$eval("[data-testid=waveform]", (element) => {
    const canvas = element as unknown as CanvasLike;
    const { data } = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, 50) ?? { data: [] };
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 2] === 0xeb && data[i] === 0x25) count++;
    return count;
  });
  assert.ok(inked > 100, `${inked} wave pixels near the top of the canvas`);
  // The record webhook's fields, from the call's log.
  const facts = await page.textContent("[data-testid=recording-detail] dl");
  assert.match(facts ?? "", /termReasonfinishKey/);

  await page.click("text=Share link");
  const link = await page.inputValue("[data-testid=share-link] input");
  const download = await fetch(link);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get("content-type"), "audio/wav");
  await screenshot(page, "recordings");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.click("button.danger");
  await page.waitForSelector(`[data-testid=recordings]`);
  await page.waitForFunction(
    (id) =>
      !(globalThis as unknown as { document: DocumentLike }).document.querySelector(
        `[data-testid=recordings] a[href="#/recordings/${id}"]`,
      ),
    recordingId,
  );
  assert.equal((await fetch(link)).status, 404);
  await page.context().close();
});

test("the caller's voice recorded from the microphone reaches the app's recording", async () => {
  const micBrowser = await launchBrowser(FAKE_MICROPHONE);
  try {
    const page = await signedInPage(micBrowser, base, belay.belay.account);
    await page.click("text=Place a call");
    await page.fill("input[name=appUrl]", `${app.url}/voice`);
    await page.click("text=Record from the microphone");
    // A function, not a string: the console's CSP forbids eval.
    await page.waitForFunction(() => {
      const { document } = globalThis as unknown as { document: DocumentLike };
      const elapsed = document.querySelector("[data-testid=mic-elapsed]") as {
        getAttribute(name: string): string | null;
      } | null;
      return Number(elapsed?.getAttribute("data-ms")) >= 1500;
    });
    await page.click("[data-testid=microphone] button:text('Stop')");
    const take = await page.waitForSelector("[data-testid=mic-take]");
    const seconds = Number(/take: ([\d.]+) s/.exec((await take.textContent()) ?? "")?.[1]);
    assert.ok(seconds >= 1.4, `a ${seconds} s take`);
    await page.fill("input[name=keys]", "#@1.2");
    const before = app.hits.length;
    await page.click("button[type=submit]");
    await page.waitForSelector("[data-testid=timeline] li[data-type=ended]");
    const recorded = app.hits.slice(before).find((hit) => hit.path === "/recorded");
    assert.equal(recorded?.body.termReason, "finishKey");
    const wav = await fetch(
      `${base}/apiserver/Accounts/${belay.belay.account.accountId}/Recordings/${recorded?.body.recordingId}/Download`,
      { headers: { authorization: authOf(belay.belay) } },
    );
    const pcm = readWav(new Uint8Array(await wav.arrayBuffer())).pcm8k;
    // The fake microphone beeps: the recording is not silence.
    const loudest = pcm.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
    assert.ok(loudest > 1000, `loudest sample ${loudest}`);
    await page.context().close();
  } finally {
    await micBrowser.close();
  }
});
