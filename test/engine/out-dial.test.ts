import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { validate } from "../helpers/openapi.js";
import { runParty } from "./conference-harness.js";
import { appUrl, EngineHarness } from "./harness.js";

/** OutDial's outcomes on simulated time: busy, no answer, a parent that hangs up first, ifMachine. */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

const AGENT = "+15550005555";

function outDial(extra: Record<string, unknown> = {}) {
  return {
    OutDial: {
      destination: AGENT,
      callingNumber: "+15550001111",
      actionUrl: appUrl("/started"),
      callConnectUrl: appUrl("/connect"),
      statusCallbackUrl: appUrl("/child-status"),
      ...extra,
    },
  };
}

describe("OutDial", () => {
  test("a busy agent: outDialConnect is a notification of busy, the parent goes on", async () => {
    const run = await runParty(h, {
      routes: { "/voice": () => [outDial()], "/started": () => [{ Pause: { length: 1000 } }] },
      caller: {},
      devices: { [AGENT]: { script: {}, answers: { kind: "busy" } } },
    });
    const connect = run.requests.find((r) => r.body.requestType === "outDialConnect");
    assert.ok(connect);
    assert.equal(connect.kind, "notify");
    assert.equal(connect.body.callStatus, "busy");
    assert.deepEqual(validate("OutDialConnectWebhook", connect.body), []);
    const start = run.requests.find((r) => r.body.requestType === "outDialStart");
    assert.ok(start);
    assert.equal(start.body.dialCallId, connect.body.callId);
    assert.deepEqual(validate("OutDialStartWebhook", start.body), []);
    const childStatus = run.requests.find((r) => r.url === appUrl("/child-status"));
    assert.equal(childStatus?.body.callEndedReason, "busy");
    assert.equal(run.outcome.reason, "appHangup", "the parent ran out of PerCL after its Pause");
  });

  test("an agent who never answers is given up on after `timeout` seconds: noAnswer", async () => {
    const run = await runParty(h, {
      routes: { "/voice": () => [outDial({ timeout: 5 })], "/started": () => [{ Pause: { length: 8000 } }] },
      caller: {},
      devices: { [AGENT]: { script: {}, answers: { kind: "noAnswer" } } },
    });
    const connect = run.requests.find((r) => r.body.requestType === "outDialConnect");
    assert.equal(connect?.body.callStatus, "noAnswer");
    assert.equal(connect?.atMs, 5000);
  });

  test("the parent hangs up while the agent still rings: the new call is canceled", async () => {
    const run = await runParty(h, {
      // The Say answers the call, so the caller's hang-up (timed from the answer) can happen.
      routes: {
        "/voice": () => [{ Say: { text: "hold on" } }, outDial()],
        "/started": () => [{ Pause: { length: 60_000 } }],
      },
      caller: { hangupAtMs: 2000 },
      devices: { [AGENT]: { script: {}, answers: { kind: "answer", afterMs: 10_000 } } },
    });
    const child = [...run.outcomes.values()].find((o) => o.callId !== run.callerId);
    assert.equal(child?.reason, "callCanceled");
    assert.equal(child?.status, "canceled");
  });

  test("ifMachine is refused with a reason, not ignored", async () => {
    const run = await runParty(h, {
      routes: { "/voice": () => [outDial({ ifMachine: "hangup" })] },
      caller: {},
      devices: {},
    });
    assert.equal(run.outcome.reason, "perclProcessingError");
    assert.match(run.outcome.message ?? "", /ifMachine/);
    assert.equal(run.outcomes.size, 1, "nothing was dialled");
  });
});
