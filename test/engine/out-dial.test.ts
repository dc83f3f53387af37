import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { validate } from "../helpers/openapi.js";
import { speakAll } from "../media/amd-synth.js";
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

  describe("ifMachine: answering-machine detection on the answered agent", () => {
    let hello: Int16Array;
    let greeting: Int16Array;
    before(async () => {
      const clips = await speakAll({ name: "en-us", speed: 165, pitch: 50 }, [
        "Hello?",
        "Hi, you have reached Sam and Alex. We cannot take your call right now, please leave a message after the tone.",
      ]);
      [hello, greeting] = clips as [Int16Array, Int16Array];
    });

    const agentSaying = (audio: Int16Array) => ({
      [AGENT]: {
        script: { audio, audioAtMs: 300, hangupAtMs: 20_000 },
        answers: { kind: "answer" as const, afterMs: 2000 },
      },
    });

    test("a human's short hello: outDialConnect as usual", async () => {
      const run = await runParty(h, {
        routes: {
          "/voice": () => [outDial({ ifMachine: "hangup" })],
          "/started": () => [{ Pause: { length: 30_000 } }],
          "/connect": () => [{ Hangup: {} }],
        },
        caller: {},
        devices: agentSaying(hello),
      });
      const connect = run.requests.find((r) => r.body.requestType === "outDialConnect");
      assert.equal(connect?.kind, "percl");
      assert.equal(connect?.body.callStatus, "inProgress");
      const child = [...run.timelines.entries()].find(([id]) => id !== run.callerId)?.[1] ?? [];
      const verdict = child.find((e) => e.type === "machineDetection");
      assert.equal(verdict?.type === "machineDetection" ? verdict.verdict : undefined, "human");
    });

    test("a machine's greeting with ifMachine hangup: the agent's call ends machineDetected", async () => {
      const run = await runParty(h, {
        routes: {
          "/voice": () => [outDial({ ifMachine: "hangup" })],
          "/started": () => [{ Pause: { length: 30_000 } }],
        },
        caller: {},
        devices: agentSaying(greeting),
      });
      assert.equal(run.requests.filter((r) => r.body.requestType === "outDialConnect").length, 0);
      const childStatus = run.requests.find((r) => r.url === appUrl("/child-status"));
      assert.equal(childStatus?.body.callEndedReason, "machineDetected");
      assert.equal(childStatus?.body.callStatus, "completed");
    });

    test("a machine with ifMachine redirect: machineDetected to ifMachineUrl, whose PerCL runs", async () => {
      const run = await runParty(h, {
        routes: {
          "/voice": () => [outDial({ ifMachine: "redirect", ifMachineUrl: appUrl("/machine") })],
          "/started": () => [{ Pause: { length: 30_000 } }],
          "/machine": () => [{ Say: { text: "sorry we missed you" } }],
        },
        caller: {},
        devices: agentSaying(greeting),
      });
      const detected = run.requests.find((r) => r.body.requestType === "machineDetected");
      assert.ok(detected);
      assert.equal(detected.url, appUrl("/machine"));
      assert.equal(detected.body.machineType, "answering machine");
      assert.deepEqual(validate("MachineDetectedWebhook", detected.body), []);
      const childStatus = run.requests.find((r) => r.url === appUrl("/child-status"));
      assert.equal(childStatus?.body.callEndedReason, "appHangup", "the Say ran, then the script ended");
    });
  });
});
