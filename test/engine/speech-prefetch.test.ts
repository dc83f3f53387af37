import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePercl } from "../../src/contract/percl/index.js";
import { MAX_PREFETCHED_TEXTS, openingSay, SpeechPrefetch } from "../../src/engine/speech-prefetch.js";

function script(json: unknown[]) {
  const parsed = parsePercl(json);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.script;
}

/** Records what was asked of the speech engine; each text becomes one sample of its length. */
function recordingSpeaker() {
  const asked: string[] = [];
  return {
    asked,
    speak: async (text: string) => {
      asked.push(text);
      return Int16Array.of(text.length);
    },
  };
}

test("a script's Says and GetDigits' Say prompts are asked for at once, each text once", async () => {
  const speaker = recordingSpeaker();
  const prefetch = new SpeechPrefetch(speaker.speak);
  prefetch.prepare(
    script([
      { Say: { text: "one" } },
      { Pause: { length: 100 } },
      {
        GetDigits: {
          actionUrl: "http://app.test/d",
          prompts: [{ Say: { text: "two" } }, { Pause: { length: 1 } }],
        },
      },
      { Say: { text: "one" } },
      { Say: { text: "" } },
    ]),
  );
  assert.deepEqual(speaker.asked, ["one", "two"]);
  assert.deepEqual(await prefetch.audio("two", undefined), Int16Array.of(3));
  assert.deepEqual(speaker.asked, ["one", "two"], "served from what was prepared");
  assert.deepEqual(await prefetch.audio("three", undefined), Int16Array.of(5));
  assert.deepEqual(speaker.asked, ["one", "two", "three"], "a text no script announced is synthesised");
});

test("no more than MAX_PREFETCHED_TEXTS texts of one script are synthesised ahead", () => {
  const speaker = recordingSpeaker();
  const says = Array.from({ length: MAX_PREFETCHED_TEXTS + 5 }, (_, i) => ({ Say: { text: `text ${i}` } }));
  new SpeechPrefetch(speaker.speak).prepare(script(says));
  assert.equal(speaker.asked.length, MAX_PREFETCHED_TEXTS);
});

test("the opening Say is a leading Say or a leading GetDigits' first prompt, nothing else", () => {
  assert.equal(openingSay(script([{ Say: { text: "hi" } }, { Hangup: {} }]))?.text, "hi");
  assert.equal(
    openingSay(script([{ GetDigits: { actionUrl: "http://app.test/d", prompts: [{ Say: { text: "p" } }] } }]))
      ?.text,
    "p",
  );
  assert.equal(openingSay(script([{ Pause: { length: 10 } }, { Say: { text: "later" } }])), undefined);
  assert.equal(openingSay(script([{ Say: { text: "" } }])), undefined);
});
