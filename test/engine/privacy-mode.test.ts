import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { appUrl, type CallRun, EngineHarness, eventsOf, onlyRequest } from "./harness.js";

/**
 * privacyMode on the engine's side (docs/privacy.md): the app gets the input, the timeline (which
 * the virtual-calls API streams out) does not, and the webhook says which fields are private.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open({ logs: "capture" });
});
after(() => h.close());

/** SendDigits answers, a Pause lets keys pile up unheard, then GetDigits takes them (flushBuffer false). */
function typeAhead(privacyMode: boolean): Promise<CallRun> {
  return h.runCall({
    routes: {
      "/voice": () => [
        { SendDigits: { digits: "0" } },
        { Pause: { length: 1500 } },
        { GetDigits: { actionUrl: appUrl("/digits"), flushBuffer: false, privacyMode } },
      ],
      "/digits": () => [{ Hangup: {} }],
    },
    caller: {
      dtmf: [
        { keys: "12", atMs: 300 },
        { keys: "34#", atMs: 2500 },
      ],
    },
  });
}

describe("GetDigits privacyMode", () => {
  test("the app gets every key, typed ahead or not; the timeline withholds them all, at the times pressed", async () => {
    const run = await typeAhead(true);
    const request = onlyRequest(run, "getDigits");
    assert.deepEqual([request.body.digits, request.body.reason], ["1234", "finishKey"]);
    assert.deepEqual(request.privateFields, ["digits"]);
    const keys = eventsOf(run, "digit");
    assert.deepEqual(
      keys.map((e) => e.digit),
      [null, null, null, null, null],
    );
    // The typed-ahead keys are told when GetDigits takes them, with the time they were pressed.
    assert.deepEqual(
      keys.map((e) => e.at),
      [320, 520, 2520, 2720, 2920],
    );
    assert.deepEqual(
      eventsOf(run, "getDigits").map((e) => [e.digits, e.reason]),
      [[null, "finishKey"]],
    );
    assert.equal(JSON.stringify(run.timeline).includes("1234"), false);
  });

  test("without privacyMode the same keys are in the timeline, and no field is private", async () => {
    const run = await typeAhead(false);
    const request = onlyRequest(run, "getDigits");
    assert.equal(request.body.digits, "1234");
    assert.deepEqual(request.privateFields, []);
    assert.deepEqual(
      eventsOf(run, "digit").map((e) => [e.digit, e.at]),
      [
        ["1", 320],
        ["2", 520],
        ["3", 2520],
        ["4", 2720],
        ["#", 2920],
      ],
    );
    assert.deepEqual(
      eventsOf(run, "getDigits").map((e) => e.digits),
      ["1234"],
    );
  });

  test("keys no command ever takes are told, as pressed, when the call ends", async () => {
    const run = await h.runCall({
      routes: { "/voice": () => [{ SendDigits: { digits: "0" } }, { Pause: { length: 1000 } }] },
      caller: { dtmf: [{ keys: "7", atMs: 300 }] },
    });
    assert.deepEqual(
      eventsOf(run, "digit").map((e) => [e.digit, e.at]),
      [["7", 320]],
    );
  });
});

describe("SendDigits, Say and Play privacyMode", () => {
  test("the timeline says what ran, never the digits, text or file", async () => {
    const run = await h.runCall({
      routes: {
        "/voice": () => [
          { SendDigits: { digits: "55501", privacyMode: true } },
          { Say: { text: "account 55502", privacyMode: true } },
          { Play: { file: "http://127.0.0.1:9/55503.wav", privacyMode: true } },
          { SendDigits: { digits: "42" } },
        ],
      },
      caller: {},
    });
    assert.deepEqual(
      eventsOf(run, "sentDigits").map((e) => e.digits),
      [null, "42"],
    );
    assert.deepEqual(
      eventsOf(run, "command").map((e) => [e.name, e.detail]),
      [
        ["SendDigits", undefined],
        ["Say", "(text withheld: privacyMode)"],
        ["Play", "(file withheld: privacyMode)"],
        ["SendDigits", "42"],
      ],
    );
    const text = JSON.stringify(run.timeline);
    const logs = JSON.stringify(h.logs);
    for (const secret of ["55501", "55502", "55503"]) {
      assert.equal(text.includes(secret), false, `timeline: ${secret}`);
      assert.equal(logs.includes(secret), false, `debug log: ${secret}`);
    }
    assert.match(logs, /Play skipped: PLAY_FETCH_FAILED/);
    assert.match(text, /Play skipped: PLAY_FETCH_FAILED \(file withheld: privacyMode\)/);
  });
});
