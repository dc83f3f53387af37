import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { isBelayError } from "../../src/errors.js";
import { toFrames } from "../../src/media/frame.js";
import type { SpeechEngine } from "../../src/media/tts.js";
import { loadSpeechEngine } from "../../src/media/tts.js";
import { CachedSpeechEngine } from "../../src/media/tts-cache.js";
import { EspeakEngine, loadEspeakEngine } from "../../src/media/tts-espeak.js";
import { espeakVoiceFor } from "../../src/media/tts-espeak-voices.js";
import { VoiceActivityDetector } from "../../src/media/vad.js";
import { rmsDbfs } from "./signals.js";

/** Counts calls; "speaks" the text's character codes; fails on demand. */
class CountingEngine implements SpeechEngine {
  readonly name = "counting";
  calls: string[] = [];
  failNext = false;

  async synthesize(text: string, language?: string): Promise<Int16Array> {
    this.calls.push(`${language}:${text}`);
    if (this.failNext) {
      this.failNext = false;
      throw new Error("synthesis failed");
    }
    return Int16Array.from(text, (c) => c.charCodeAt(0));
  }
}

async function realEngine(): Promise<SpeechEngine> {
  const engine = await loadSpeechEngine();
  assert.ok(engine, "these tests need the espeak-ng package (an optional dependency) installed");
  return engine;
}

describe("espeakVoiceFor", () => {
  test("maps FreeClimb languages to eSpeak voices", () => {
    const expected: Record<string, string> = {
      "en-US": "en-us",
      "en-GB": "en-gb",
      "en-AU": "en-gb",
      "es-ES": "es",
      "es-MX": "es-419",
      "fr-FR": "fr",
      "fr-CA": "fr",
      "de-DE": "de",
      "it-IT": "it",
      "pt-BR": "pt-br",
      "ja-JP": "ja",
      "zh-CN": "cmn",
      "nl-NL": "nl",
    };
    for (const [language, voice] of Object.entries(expected))
      assert.equal(espeakVoiceFor(language), voice, language);
  });

  test("unknown, odd or missing languages fall back to US English", () => {
    for (const language of [undefined, "", "xx-YY", "klingon", "__proto__", "constructor", "-v"]) {
      assert.equal(espeakVoiceFor(language), "en-us", String(language));
    }
    assert.equal(espeakVoiceFor(" EN_gb "), "en-gb");
  });
});

describe("CachedSpeechEngine", () => {
  test("synthesizes each language+text once and returns copies", async () => {
    const inner = new CountingEngine();
    const cache = new CachedSpeechEngine(inner);
    const first = await cache.synthesize("hello", "en-US");
    first.fill(0);
    const second = await cache.synthesize("hello", "en-us");
    assert.deepEqual(
      [...second],
      [..."hello"].map((c) => c.charCodeAt(0)),
    );
    await cache.synthesize("hello", "fr-FR");
    assert.deepEqual(inner.calls, ["en-US:hello", "fr-FR:hello"]);
    assert.deepEqual({ hits: cache.hits, misses: cache.misses }, { hits: 1, misses: 2 });
  });

  test("concurrent requests for one prompt share a synthesis", async () => {
    const inner = new CountingEngine();
    const cache = new CachedSpeechEngine(inner);
    const results = await Promise.all([1, 2, 3].map(() => cache.synthesize("same")));
    assert.equal(inner.calls.length, 1);
    assert.equal(new Set(results).size, 3, "each caller gets its own array");
  });

  test("evicts the least recently used entry beyond its capacity", async () => {
    const inner = new CountingEngine();
    const cache = new CachedSpeechEngine(inner, 2);
    await cache.synthesize("a");
    await cache.synthesize("b");
    await cache.synthesize("a"); // a is now the most recent
    await cache.synthesize("c"); // evicts b
    await cache.synthesize("a");
    await cache.synthesize("b");
    assert.deepEqual(inner.calls, ["undefined:a", "undefined:b", "undefined:c", "undefined:b"]);
  });

  test("does not remember failures", async () => {
    const inner = new CountingEngine();
    const cache = new CachedSpeechEngine(inner);
    inner.failNext = true;
    await assert.rejects(cache.synthesize("x"), /synthesis failed/);
    assert.equal((await cache.synthesize("x")).length, 1);
    assert.equal(inner.calls.length, 2);
  });
});

describe("loadSpeechEngine (eSpeak NG)", () => {
  test("is loaded once", async () => {
    assert.equal(await loadSpeechEngine(), await realEngine());
    assert.equal((await realEngine()).name, "espeak-ng");
  });

  test('"Please leave a message" is 1–4 s of 8 kHz speech', async () => {
    const pcm = await (await realEngine()).synthesize("Please leave a message", "en-US");
    const seconds = pcm.length / 8000;
    assert.ok(seconds >= 1 && seconds <= 4, `${seconds} s`);
    assert.ok(rmsDbfs(pcm) > -35, `level ${rmsDbfs(pcm).toFixed(1)} dBFS`);
    const vad = new VoiceActivityDetector();
    const decisions = toFrames(pcm).map((frame) => vad.push(frame));
    const speechShare = decisions.filter(Boolean).length / decisions.length;
    assert.ok(speechShare > 0.6, `VAD found speech in ${(speechShare * 100).toFixed(0)}% of frames`);
  });

  test("the cache returns the same audio without synthesizing again", async () => {
    const engine = await realEngine();
    assert.ok(engine instanceof CachedSpeechEngine);
    const first = await engine.synthesize("Your call is important to us", "en-GB");
    const misses = engine.misses;
    const second = await engine.synthesize("Your call is important to us", "en-GB");
    assert.equal(engine.misses, misses);
    assert.notEqual(second, first);
    assert.deepEqual(second, first);
  });

  test("speaks text that looks like command-line options instead of obeying it", async () => {
    const engine = await realEngine();
    const pcm = await engine.synthesize("-v xx --help -w /etc/passwd", "en-US");
    assert.ok(pcm.length / 8000 > 1, "the words are spoken");
  });

  test("unknown languages speak English; other languages work; empty text is silent", async () => {
    const engine = await realEngine();
    const [unknown, french, german, spanish, empty] = await Promise.all([
      engine.synthesize("hello there", "xx-YY"),
      engine.synthesize("Bonjour, laissez un message", "fr-FR"),
      engine.synthesize("Bitte hinterlassen Sie eine Nachricht", "de-DE"),
      engine.synthesize("Por favor deje un mensaje", "es-ES"),
      engine.synthesize("   ", "en-US"),
    ]);
    for (const pcm of [unknown, french, german, spanish]) assert.ok(pcm.length > 4000 && rmsDbfs(pcm) > -35);
    assert.equal(empty.length, 0);
    assert.deepEqual(unknown, await engine.synthesize("hello there", "en-US"));
  });

  test("a missing eSpeak NG package gives typed errors, not a crash", async () => {
    const missing = pathToFileURL(join(tmpdir(), "no-such-espeak", "espeak-ng.js")).href;
    const engine = new EspeakEngine(missing, new URL("espeak-ng.wasm", missing).href);
    await assert.rejects(engine.synthesize("hello"), (err) => isBelayError(err, "TTS_UNAVAILABLE"));
    await engine.close();
  });

  test("a worker stopped mid-synthesis fails that job, and the next one starts a new worker", async () => {
    const engine = await loadEspeakEngine();
    assert.ok(engine);
    const interrupted = assert.rejects(engine.synthesize("This sentence will not be finished"), (err) =>
      isBelayError(err, "TTS_FAILED"),
    );
    await engine.close();
    await interrupted;
    assert.ok((await engine.synthesize("but this one will")).length > 4000);
    await engine.close();
  });

  test("a loaded engine that never synthesised does not keep the process alive", async () => {
    const dir = await mkdtemp(join(tmpdir(), "belay-tts-"));
    const script = join(dir, "load-only.mjs");
    const tts = new URL("../../src/media/tts-espeak.ts", import.meta.url).href;
    await writeFile(
      script,
      `const { loadEspeakEngine } = await import(${JSON.stringify(tts)});\n` +
        "if (!(await loadEspeakEngine())) process.exit(3);\n",
    );
    try {
      // If the idle worker held the event loop, the child would never exit: the timeout fails the test.
      const exit = await new Promise<number | null>((resolve) => {
        const child = execFile(process.execPath, ["--import", "tsx", script], { timeout: 60_000 }, () =>
          resolve(child.exitCode),
        );
      });
      assert.equal(exit, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
