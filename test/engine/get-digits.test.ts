import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEFAULTS } from "../../src/contract/defaults.js";
import type { CallerScript } from "../../src/legs/virtual/script.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { loadSpeechEngine } from "../../src/media/tts.js";
import {
  type AppRequest,
  appUrl,
  assertEnded,
  type CallRun,
  EngineHarness,
  FROM,
  onlyRequest,
  TO,
} from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

/** A call whose first script is `before` then this GetDigits; /digits answers with SendDigits "9". */
function collect(
  attrs: Record<string, unknown>,
  caller: CallerScript,
  before: unknown[] = [],
): Promise<CallRun> {
  return h.runCall({
    routes: {
      "/voice": () => [...before, { GetDigits: { actionUrl: appUrl("/digits"), ...attrs } }],
      "/digits": () => [{ SendDigits: { digits: "9" } }],
    },
    caller,
  });
}

function webhook(run: CallRun): AppRequest {
  const request = onlyRequest(run, "getDigits");
  assert.equal(request.kind, "percl");
  return request;
}

function result(run: CallRun): { digits: unknown; reason: unknown; atMs: number } {
  const { body, atMs } = webhook(run);
  return { digits: body.digits, reason: body.reason, atMs };
}

async function speechMs(text: string): Promise<number> {
  const speech = await loadSpeechEngine();
  assert.ok(speech);
  return Math.ceil((await speech.synthesize(text)).length / FRAME_SAMPLES) * FRAME_MS;
}

describe("GetDigits: how collection ends", () => {
  test("the finish key (default #) ends it and is not among the digits", async () => {
    // Keys 200 ms apart: 1 at 1000, 2 at 1200, # at 1400, delivered at the end of their frame.
    const run = await collect({}, { dtmf: [{ keys: "12#", atMs: 1000 }] });
    assert.deepEqual(result(run), { digits: "12", reason: "finishKey", atMs: 1420 });
  });

  test("the webhook carries the call's fields plus digits and reason, and its PerCL runs", async () => {
    const run = await collect({}, { dtmf: [{ keys: "7#", atMs: 100 }] });
    assert.deepEqual(webhook(run).body, {
      requestType: "getDigits",
      accountId: h.accountId,
      callId: run.callId,
      from: FROM,
      to: TO,
      callStatus: "inProgress",
      direction: "inbound",
      conferenceId: null,
      queueId: null,
      parentCallId: null,
      digits: "7",
      reason: "finishKey",
    });
    assert.deepEqual(run.leg.heardDigits, [{ digits: "9", atMs: 320 }]);
    assertEnded(run, "appHangup", "completed");
  });

  test("a finish key pressed first gives empty digits", async () => {
    const run = await collect({ finishOnKey: "*" }, { dtmf: [{ keys: "*", atMs: 500 }] });
    assert.deepEqual(result(run), { digits: "", reason: "finishKey", atMs: 520 });
  });

  test('finishOnKey "" means no key finishes: # is a digit', async () => {
    const run = await collect({ finishOnKey: "", maxDigits: 3 }, { dtmf: [{ keys: "12#", atMs: 1000 }] });
    assert.deepEqual(result(run), { digits: "12#", reason: "maxDigits", atMs: 1420 });
  });

  test("maxDigits ends it on the last allowed key", async () => {
    const run = await collect({ maxDigits: 3 }, { dtmf: [{ keys: "12345", atMs: 1000 }] });
    assert.deepEqual(result(run), { digits: "123", reason: "maxDigits", atMs: 1420 });
  });

  test(`maxDigits defaults to ${DEFAULTS.getDigits.maxDigits}`, async () => {
    const run = await collect({}, { dtmf: [{ keys: "12345678901234567", atMs: 0 }] });
    // The 16th key is pressed at 15 * 200 = 3000 ms, delivered at 3020.
    assert.deepEqual(result(run), { digits: "1234567890123456", reason: "maxDigits", atMs: 3020 });
  });

  test("no key: timeout after initialTimeoutMs (default 5000), with empty digits", async () => {
    assert.equal(DEFAULTS.getDigits.initialTimeoutMs, 5000);
    assert.deepEqual(result(await collect({}, {})), { digits: "", reason: "timeout", atMs: 5000 });
    assert.deepEqual(result(await collect({ initialTimeoutMs: 1234 }, {})), {
      digits: "",
      reason: "timeout",
      atMs: 1234,
    });
  });

  test("the initial timeout starts once the prompts have finished", async () => {
    const text = "Enter your account number";
    const promptMs = await speechMs(text);
    const run = await collect({ initialTimeoutMs: 2000, prompts: [{ Say: { text } }] }, {});
    assert.deepEqual(result(run), { digits: "", reason: "timeout", atMs: promptMs + 2000 });
  });

  test("after a key, digitTimeoutMs (default 3000) of quiet ends it", async () => {
    assert.equal(DEFAULTS.getDigits.digitTimeoutMs, 3000);
    const caller = { dtmf: [{ keys: "12", atMs: 1000 }] };
    assert.deepEqual(result(await collect({}, caller)), {
      digits: "12",
      reason: "timeout",
      atMs: 1220 + 3000,
    });
    assert.deepEqual(result(await collect({ digitTimeoutMs: 700 }, caller)), {
      digits: "12",
      reason: "timeout",
      atMs: 1220 + 700,
    });
  });

  test("the caller hanging up ends the call without a getDigits webhook", async () => {
    const run = await collect({}, { dtmf: [{ keys: "1", atMs: 100 }], hangupAtMs: 1000 });
    assert.ok(!run.requests.some((r) => r.body.requestType === "getDigits"));
    assertEnded(run, "farEndHangup", "completed");
  });
});

describe("GetDigits: prompts", () => {
  test("play in order while waiting for the first key", async () => {
    const first = "Welcome";
    const second = "Press one for sales";
    const firstMs = await speechMs(first);
    const run = await collect(
      { prompts: [{ Say: { text: first } }, { Pause: { length: 300 } }, { Say: { text: second } }] },
      {},
    );
    assert.deepEqual(
      run.leg.heard.map((c) => c.atMs),
      [0, firstMs + 300],
    );
  });

  test("the first key stops the prompt playing and skips the rest", async () => {
    const run = await collect(
      {
        maxDigits: 2,
        prompts: [
          { Say: { text: "Please listen carefully as our menu options have changed" } },
          { Say: { text: "Second" } },
        ],
      },
      { dtmf: [{ keys: "4", atMs: 500 }] },
    );
    assert.equal(run.leg.heard.length, 1, "the second prompt never played");
    // The digit timeout runs from the key, not from where the prompt would have ended.
    assert.deepEqual(result(run), { digits: "4", reason: "timeout", atMs: 520 + 3000 });
  });

  test("a key stops a prompt looping forever", async () => {
    const run = await collect(
      { maxDigits: 1, prompts: [{ Say: { text: "Hold", loop: 0 } }] },
      { dtmf: [{ keys: "8", atMs: 2500 }] },
    );
    assert.deepEqual(result(run), { digits: "8", reason: "maxDigits", atMs: 2520 });
    assert.ok(run.leg.heard.length >= 2);
    assert.ok(run.leg.heard.every((c) => c.atMs < 2520));
  });
});

describe("GetDigits: keys pressed before it started", () => {
  const greeting = { Say: { text: "Thanks for calling our office" } };

  test("flushBuffer true (the default) drops them", async () => {
    assert.equal(DEFAULTS.getDigits.flushBuffer, true);
    const sayMs = await speechMs("Thanks for calling our office");
    const caller = {
      dtmf: [
        { keys: "12", atMs: 100 },
        { keys: "3", atMs: sayMs + 500 },
      ],
    };
    const run = await collect({ maxDigits: 3 }, caller, [greeting]);
    assert.deepEqual(result(run), { digits: "3", reason: "timeout", atMs: sayMs + 520 + 3000 });
  });

  test("flushBuffer false keeps them, first, and they stop the prompts", async () => {
    const sayMs = await speechMs("Thanks for calling our office");
    const caller = {
      dtmf: [
        { keys: "12", atMs: 100 },
        { keys: "3", atMs: sayMs + 500 },
      ],
    };
    const run = await collect(
      { maxDigits: 3, flushBuffer: false, prompts: [{ Say: { text: "Enter three digits" } }] },
      caller,
      [greeting],
    );
    assert.deepEqual(result(run), { digits: "123", reason: "maxDigits", atMs: sayMs + 520 });
    assert.equal(run.leg.heard.length, 1, "only the greeting played: the buffered keys skipped the prompt");
  });

  test("flushBuffer false: a buffered finish key ends it at once", async () => {
    const sayMs = await speechMs("Thanks for calling our office");
    const run = await collect({ flushBuffer: false }, { dtmf: [{ keys: "5#", atMs: 100 }] }, [greeting]);
    assert.deepEqual(result(run), { digits: "5", reason: "finishKey", atMs: sayMs });
  });
});
