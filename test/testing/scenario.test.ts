import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type AppRequest, startBelay, type TestBelay } from "belay/testing";

/** belay.scenario(): several callers and the devices their app dials, each call with its own result. */

const AGENTS: Record<string, string> = { "+15550001001": "+15550003001", "+15550001002": "+15550003002" };

/** Puts each caller through to its agent: OutDial, hold, hang up; the agent says a line and hangs up. */
function frontDesk(request: AppRequest): unknown {
  const { body, baseUrl } = request;
  switch (request.path) {
    case "/voice":
      return [
        { Say: { text: "Connecting you." } },
        {
          OutDial: {
            destination: AGENTS[String(body.from)],
            callingNumber: body.to,
            actionUrl: `${baseUrl}/dialled`,
            callConnectUrl: `${baseUrl}/connect`,
            timeout: 10,
          },
        },
      ];
    case "/dialled":
      return [{ Say: { text: "Please hold." } }, { Pause: { length: 4000 } }, { Hangup: {} }];
    case "/connect":
      return [{ Say: { text: "Agent speaking." } }, { Hangup: {} }];
    default:
      return [];
  }
}

let belay: TestBelay;
before(async () => {
  belay = await startBelay({ app: frontDesk });
});
after(() => belay.close());

test("two callers, an agent who answers and one who is busy, on one clock", async () => {
  const run = await belay.scenario({
    callers: [
      { name: "alice", from: "+15550001001", to: "+15550002000" },
      { name: "bob", from: "+15550001002", to: "+15550002000", startAtMs: 60_000 },
    ],
    devices: [
      { name: "agent-1", number: "+15550003001", answerAfterMs: 2000 },
      { name: "agent-2", number: "+15550003002", mode: "busy" },
    ],
  });
  assert.deepEqual(
    run.calls.map((call) => [call.name, call.status, call.callEndedReason]),
    [
      ["alice", "completed", "appHangup"],
      ["agent-1", "completed", "appHangup"],
      ["bob", "completed", "appHangup"],
      ["agent-2", "busy", "busy"],
    ],
  );
  const alice = run.call("alice");
  const agent = run.call("agent-1");
  assert.deepEqual(alice.said(), ["Connecting you.", "Please hold."]);
  assert.deepEqual(agent.said(), ["Agent speaking."]);
  assert.equal(agent.parentCallId, alice.callId);
  assert.equal(run.call("bob").startedAtMs, 60_000);
  // Each call's own webhooks: the agents' callStatus would go to OutDial's statusCallbackUrl, unset here.
  assert.deepEqual(
    run.calls.map((call) => [
      call.name,
      call.webhooks.map((w) => `${w.requestType} ${new URL(w.url).pathname}`),
    ]),
    [
      ["alice", ["inboundCall /voice", "outDialStart /dialled", "callStatus /voice"]],
      ["agent-1", ["outDialConnect /connect"]],
      ["bob", ["inboundCall /voice", "outDialStart /dialled", "callStatus /voice"]],
      ["agent-2", ["outDialConnect /connect"]],
    ],
  );
  assert.equal(run.call("agent-2").webhooks[0]?.body.callStatus, "busy");
  for (const call of run.calls)
    assert.ok(
      call.webhooks.every((w) => call.webhookVerified(w)),
      call.name,
    );
  assert.throws(() => run.call("carol"), /no call named carol: alice, agent-1, bob, agent-2/);
});

test("a scenario that does not validate is refused with the field named", async () => {
  await assert.rejects(
    belay.scenario({
      callers: [{ from: "+15550001001", to: "+15550002000" }],
      devices: [{ number: "+15550003001" }, { number: "+15550003001" }],
    }),
    { code: "TESTKIT_SCENARIO", message: /devices\.1\.number.*already devices\[0\]/ },
  );
});
