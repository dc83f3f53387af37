import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CallRow } from "../../src/store/types.js";
import { appUrl, assertEnded, EngineHarness, eventsOf, FROM, failWith, onlyRequest, TO } from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open({ logs: "capture" });
});
after(() => h.close());

const DIGIT = { SendDigits: { digits: "1" } };

describe("a call's life", () => {
  test("inboundCall goes to the first URL with the call's fields, ringing", async () => {
    const run = await h.runCall({ routes: { "/voice": () => [DIGIT] } });
    const request = onlyRequest(run, "inboundCall");
    assert.equal(request.url, appUrl("/voice"));
    assert.equal(request.atMs, 0);
    assert.deepEqual(request.body, {
      requestType: "inboundCall",
      accountId: h.accountId,
      callId: run.callId,
      from: FROM,
      to: TO,
      callStatus: "ringing",
      direction: "inbound",
      conferenceId: null,
      queueId: null,
      parentCallId: null,
    });
    assert.deepEqual(
      run.timeline.map((e) => e.type),
      ["started", "status", "webhook", "command", "status", "sentDigits", "notification", "ended"],
    );
  });

  test("an inbound call is stored ringing from its first write: created, answered, ended", async () => {
    let during: Promise<unknown> | undefined;
    const run = await h.runCall({
      routes: {
        "/voice": (body) => {
          during = h.store.calls.get(h.accountId, String(body.callId));
          return [DIGIT];
        },
      },
    });
    // While the app answers inboundCall, the row is as first written.
    const seen = (await during) as CallRow | undefined;
    assert.deepEqual([seen?.status, seen?.revision], ["ringing", 1]);
    assert.equal(run.row.revision, 3);
  });

  test("a script that runs out hangs up: appHangup, with no error", async () => {
    const run = await h.runCall({ routes: { "/voice": () => [DIGIT] } });
    assert.deepEqual(eventsOf(run, "error"), []);
    assert.equal(run.outcome.message, undefined);
    assert.equal(run.row.startTime, 0);
    assert.equal(run.row.connectTime, 0);
    assertEnded(run, "appHangup", "completed");
  });

  test("no statusCallbackUrl: no callStatus webhook", async () => {
    const run = await h.runCall({ routes: { "/voice": () => [DIGIT] }, statusPath: null });
    assert.ok(!run.requests.some((r) => r.body.requestType === "callStatus"));
    assert.equal(run.row.callEndedReason, "appHangup");
  });

  test("a caller who takes time to connect delays the call, not the engine", async () => {
    const run = await h.runCall({
      routes: { "/voice": () => [DIGIT, DIGIT] },
      caller: { answerDelayMs: 500 },
    });
    assert.equal(run.row.connectTime, 500);
    assert.deepEqual(
      run.leg.heardDigits.map((d) => d.atMs),
      [0, 200],
      "times on the leg count from the answer",
    );
    assert.deepEqual(
      eventsOf(run, "sentDigits").map((e) => e.at),
      [500, 700],
    );
    assertEnded(run, "appHangup", "completed");
  });

  test("maxCallDurationMs ends a call that runs too long", async () => {
    const run = await h.runCall({
      routes: { "/voice": () => [{ Say: { text: "Forever", loop: 0 } }] },
      limits: { maxCallDurationMs: 10_000 },
    });
    assert.equal(run.timeline.at(-1)?.at, 10_000);
    assertEnded(run, "maxDuration", "completed");
  });
});

describe("how a call fails", () => {
  test("an empty script ends the call with appNoPercl", async () => {
    const run = await h.runCall({ routes: { "/voice": () => [] } });
    assert.match(eventsOf(run, "error")[0]?.message ?? "", /empty PerCL script/);
    assertEnded(run, "appNoPercl", "failed");
  });

  test("an empty script after a redirect: appNoPercl", async () => {
    const run = await h.runCall({
      routes: { "/voice": () => [DIGIT, { Redirect: { actionUrl: appUrl("/next") } }], "/next": () => [] },
    });
    assertEnded(run, "appNoPercl", "completed");
  });

  test("a first URL that fails: webhookFailed", async () => {
    const run = await h.runCall({ routes: {} });
    assert.equal(eventsOf(run, "webhook")[0]?.ok, false);
    assert.match(run.outcome.message ?? "", /404/);
    assert.equal(run.row.connectTime, null);
    assertEnded(run, "webhookFailed", "failed");
  });

  test("a first URL that fails falls back to the fallback URL", async () => {
    const run = await h.runCall({
      routes: { "/voice": () => failWith("webhookFailed", 500), "/fallback": () => [DIGIT] },
      fallbackPath: "/fallback",
    });
    assert.deepEqual(
      run.requests.filter((r) => r.kind === "percl").map((r) => r.url),
      [appUrl("/voice"), appUrl("/fallback")],
    );
    assert.equal(run.leg.heardDigits.length, 1);
    assertEnded(run, "appHangup", "completed");
  });

  test("each failed PerCL request ends the call with its own reason", async () => {
    for (const reason of ["webhookFailed", "webhookInvalidResponse", "appNoPercl"] as const) {
      const run = await h.runCall({
        routes: {
          "/voice": () => [DIGIT, { Redirect: { actionUrl: appUrl("/next") } }],
          "/next": () => failWith(reason),
        },
      });
      assertEnded(run, reason, "completed");
    }
  });

  test("invalid PerCL: appInvalidPercl, naming the problem", async () => {
    const run = await h.runCall({ routes: { "/voice": () => [{ Bogus: {} }] } });
    assert.match(run.outcome.message ?? "", /Bogus/);
    assertEnded(run, "appInvalidPercl", "failed");
  });

  test("a command Belay does not run yet ends the call with perclProcessingError, and says which", async () => {
    const before = h.logs.length;
    const run = await h.runCall({
      routes: {
        "/voice": () => [DIGIT, { Sms: { to: "+15550003333", from: TO, text: "hi" } }, DIGIT],
      },
    });
    assert.equal(run.leg.heardDigits.length, 1, "the command before it ran, the one after did not");
    assert.match(run.outcome.message ?? "", /Sms/);
    const errors = h.logs.slice(before).filter((l) => l.level === 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.command, "Sms");
    assert.match(errors[0]?.msg ?? "", /Sms is not supported/);
    assert.equal(errors[0]?.callId, run.callId);
    assertEnded(run, "perclProcessingError", "completed");
  });
});
