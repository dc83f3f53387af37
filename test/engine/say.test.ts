import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AudioService } from "../../src/engine/audio-service.js";
import type { HeardClip } from "../../src/legs/virtual/virtual-leg.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { loadSpeechEngine, type SpeechEngine } from "../../src/media/tts.js";
import { RealClock } from "../../src/time/clock.js";
import { assertEnded, EngineHarness, eventsOf } from "./harness.js";

let h: EngineHarness;
let speech: SpeechEngine;
before(async () => {
  h = await EngineHarness.open({ logs: "capture" });
  const engine = await loadSpeechEngine();
  assert.ok(engine);
  speech = engine;
});
after(() => h.close());

/** How long the leg takes to play `samples`: whole 20 ms frames. */
function playMs(samples: number): number {
  return Math.ceil(samples / FRAME_SAMPLES) * FRAME_MS;
}

const THEN_DIGIT = { SendDigits: { digits: "1" } };

test("speaks the text and the next command starts as the speech ends", async () => {
  const text = "Please leave a message after the tone";
  const expected = await speech.synthesize(text);
  assert.ok(expected.length > 8000, "eSpeak NG produced seconds of speech");
  const run = await h.runCall({ routes: { "/voice": () => [{ Say: { text } }, THEN_DIGIT] } });
  assert.deepEqual(run.leg.heard, [{ atMs: 0, samples: expected.length }]);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: playMs(expected.length) }]);
  assert.deepEqual(
    eventsOf(run, "status").map((e) => [e.status, e.at]),
    [
      ["ringing", 0],
      ["inProgress", 0],
    ],
    "Say answers the call",
  );
  assertEnded(run, "appHangup", "completed");
});

test("language picks the voice", async () => {
  const text = "Buenos días, deje su mensaje";
  const spanish = await speech.synthesize(text, "es-ES");
  assert.notEqual(spanish.length, (await speech.synthesize(text, "en-US")).length);
  const run = await h.runCall({ routes: { "/voice": () => [{ Say: { text, language: "es-ES" } }] } });
  assert.deepEqual(run.leg.heard, [{ atMs: 0, samples: spanish.length }]);
});

test("loop 2 plays the speech twice, back to back", async () => {
  const text = "Twice";
  const samples = (await speech.synthesize(text)).length;
  const d = playMs(samples);
  const run = await h.runCall({ routes: { "/voice": () => [{ Say: { text, loop: 2 } }, THEN_DIGIT] } });
  assert.deepEqual(run.leg.heard, [
    { atMs: 0, samples },
    { atMs: d, samples },
  ]);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 2 * d }]);
});

test("loop 0 plays until the caller hangs up", async () => {
  const text = "Hold the line";
  const samples = (await speech.synthesize(text)).length;
  const d = playMs(samples);
  const run = await h.runCall({
    routes: { "/voice": () => [{ Say: { text, loop: 0 } }, THEN_DIGIT] },
    caller: { hangupAtMs: 5 * d + 30 },
  });
  const endedAt = run.timeline.at(-1)?.at ?? 0;
  assert.ok(run.leg.heard.length >= 5);
  run.leg.heard.forEach((clip, i) => {
    assert.deepEqual(clip, { atMs: i * d, samples });
  });
  const last = run.leg.heard.at(-1);
  assert.ok(last && last.atMs < endedAt && last.atMs + d > endedAt, "still playing when the caller left");
  assert.deepEqual(run.leg.heardDigits, [], "the script never went past the Say");
  assertEnded(run, "farEndHangup", "completed");
});

test("empty text is skipped, but the call is answered", async () => {
  const run = await h.runCall({ routes: { "/voice": () => [{ Say: { text: "" } }, THEN_DIGIT] } });
  assert.deepEqual(run.leg.heard, []);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 0 }]);
  assert.ok(eventsOf(run, "status").some((e) => e.status === "inProgress"));
});

test("without a speech engine, Say plays silence as long as the speech would take", async () => {
  const before = h.logs.length;
  const text = "Hello there"; // 11 characters at ~65 ms each
  const samples = Math.round((text.length * 65 * 8000) / 1000);
  const run = await h.runCall({
    routes: { "/voice": () => [{ Say: { text } }, { Say: { text, loop: 2 } }, THEN_DIGIT] },
    speech: false,
  });
  const d = playMs(samples);
  assert.deepEqual(run.leg.heard, [
    { atMs: 0, samples },
    { atMs: d, samples },
    { atMs: 2 * d, samples },
  ]);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 3 * d }]);
  assertEnded(run, "appHangup", "completed");
  const warnings = h.logs.slice(before).filter((l) => l.level === 40 && /no speech engine/.test(l.msg));
  assert.equal(warnings.length, 1, "warned once, not per Say");
});

test("privacyMode keeps the text out of the timeline", async () => {
  const run = await h.runCall({
    routes: { "/voice": () => [{ Say: { text: "Your PIN is 4321", privacyMode: true } }] },
  });
  const [say] = eventsOf(run, "command");
  assert.equal(say?.detail, "(text withheld: privacyMode)");
  assert.ok(!JSON.stringify(run.timeline).includes("4321"));
  assert.equal(run.leg.heard.length, 1, "it is still spoken");
});

/**
 * A speech engine that takes SYNTHESIS_MS of real time per text, one text at a time, as eSpeak NG's
 * single worker does: a stand-in so that the test below measures Belay's scheduling, not how busy
 * the machine is. Each text is CLIP_MS of silence, longer than a synthesis, as speech is.
 */
const SYNTHESIS_MS = 200;
const CLIP_MS = 500;
function slowSpeech(): AudioService & { asked: Array<{ text: string; atMs: number }> } {
  const asked: Array<{ text: string; atMs: number }> = [];
  let queue = Promise.resolve();
  const started = performance.now();
  return {
    asked,
    speak(text) {
      asked.push({ text, atMs: performance.now() - started });
      const done = queue.then(() => new Promise<void>((resolve) => setTimeout(resolve, SYNTHESIS_MS)));
      queue = done;
      return done.then(() => new Int16Array(CLIP_MS * 8));
    },
    load: () => Promise.reject(new Error("no Play in this test")),
  };
}

test("in real time, synthesis delays no Say but the one that answers, and that one before the answer", async () => {
  const audio = slowSpeech();
  const run = await h.runCall({
    clock: new RealClock(),
    audio,
    routes: {
      "/voice": () => [
        { Say: { text: "one" } },
        {
          GetDigits: {
            actionUrl: "http://app.test/digits",
            maxDigits: 1,
            initialTimeoutMs: 1,
            prompts: [{ Say: { text: "two" } }],
          },
        },
      ],
      "/digits": () => [{ Say: { text: "three" } }],
    },
  });
  // Every Say of a script is asked for as soon as the script arrives, before any of them plays.
  assert.deepEqual(
    audio.asked.map((a) => a.text),
    ["one", "two", "three"],
  );
  assert.ok((audio.asked[1]?.atMs ?? 0) - (audio.asked[0]?.atMs ?? 0) < 50, "two asked with one");
  // The first Say's synthesis happens while the call rings: the timeline counts from the answer.
  const webhookAt = run.timeline.find((e) => e.type === "webhook")?.at ?? 0;
  const answeredAt = run.timeline.find((e) => e.type === "status" && e.status === "inProgress")?.at ?? 0;
  assert.ok(
    answeredAt - webhookAt >= SYNTHESIS_MS - 5,
    `answered ${answeredAt - webhookAt} ms after the app's PerCL`,
  );
  // "two" was synthesised while "one" played: it starts as "one" ends, CLIP_MS later, not a
  // synthesis later. Real timers fire a little late: 60 ms of slack, well under a synthesis.
  const [one, two, three] = run.leg.heard as [HeardClip, HeardClip, HeardClip];
  assert.ok(two.atMs - one.atMs < CLIP_MS + 60, `"two" started ${two.atMs - one.atMs} ms after "one"`);
  // "three" opens the script the getDigits webhook returned: it waits for its synthesis, which
  // counts as part of the app's response time (docs/virtual-calls.md).
  assert.ok(three.atMs > two.atMs, "three plays last");
});
