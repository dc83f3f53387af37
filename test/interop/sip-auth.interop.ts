import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { authOf, type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { freeUdpPort } from "./ports.js";
import { within } from "./process.js";
import { describeSipp, type SippRun, startSipp } from "./sipp.js";

/**
 * sipp as a trunk that authenticates (test/interop/scenarios/uas_digest_*.xml): it challenges
 * Belay's INVITE with 401 and checks the answer with its own digest code (`verifyauth`). sipp
 * 3.6.1, installed here, verifies MD5 only (SHA-256 came to sipp later), so SHA-256 is checked
 * against the test trunk of test/sip/sip-auth.test.ts instead.
 */

const USERNAME = "belay-interop";
const PASSWORD = "interop-Pa55";
const REALM = "sipp.trunk.test";
const PEER = "+15557770042";

let app: ScriptedApp;

before(async () => {
  app = await startScriptedApp({
    "/connect": () => ({ body: [{ Pause: { length: 300 } }, { Hangup: {} }] }),
  });
});

after(async () => {
  await app?.close();
});

/** Belay with --sip-outbound at sipp's port and the trunk's credentials. */
async function belayFor(sippPort: number, password: string): Promise<TestBelay & { sipPort: number }> {
  const sipPort = await freeUdpPort();
  const harness = await startBelay({
    sipPort,
    sipHost: "127.0.0.1",
    sipOutbound: `sip:{to}@127.0.0.1:${sippPort}`,
    sipOutboundUsername: USERNAME,
    sipOutboundPassword: password,
  });
  return { ...harness, sipPort };
}

/** POST /Calls; `ended` is taken while the call still dials. */
async function call(harness: TestBelay): Promise<{ ended: Promise<{ status: string; reason: string }> }> {
  const { belay } = harness;
  const response = await fetch(`${belay.publicUrl()}/apiserver/Accounts/${belay.account.accountId}/Calls`, {
    method: "POST",
    headers: { authorization: authOf(belay), "content-type": "application/json" },
    body: JSON.stringify({
      from: "+15550001111",
      to: PEER,
      callConnectUrl: `${app.url}/connect`,
      timeout: 20,
    }),
  });
  const text = await response.text();
  assert.equal(response.status, 202, text);
  const { callId } = JSON.parse(text) as { callId: string };
  const ended = belay.engine.whenEnded(callId);
  assert.ok(ended, "the call is live");
  return { ended: ended.then(({ status, reason }) => ({ status, reason })) };
}

test("sipp challenges with 401, verifies Belay's MD5 digest itself, and the call connects and ends", async () => {
  const sippPort = await freeUdpPort();
  const harness = await belayFor(sippPort, PASSWORD);
  let run: SippRun | undefined;
  try {
    run = await startSipp({
      scenario: {
        file: "uas_digest_auth.xml",
        tokens: { USERNAME, PASSWORD, REALM, BYE_WITHIN_MS: "10000" },
      },
      port: harness.sipPort,
      service: PEER,
      localPort: sippPort,
      timeoutSec: 30,
    });
    const hits = app.hits.length;
    const { ended } = await call(harness);
    const result = await within(30_000, "sipp to finish", run.finished);
    assert.equal(result.code, 0, describeSipp(result));
    assert.deepEqual(await ended, { status: "completed", reason: "appHangup" });
    await within(5000, "the callConnect webhook", app.nextHit("/connect", hits));
    assert.match(
      result.messages,
      /Authorization: Digest username="belay-interop", realm="sipp\.trunk\.test"/,
    );
    assert.match(result.messages, /opaque="sipp-opaque"/);
  } finally {
    await run?.stop();
    await harness.stop();
  }
});

test("a password sipp does not accept: challenged again, the call fails, one authenticated INVITE", async () => {
  const sippPort = await freeUdpPort();
  const harness = await belayFor(sippPort, "not-the-trunk-password");
  let run: SippRun | undefined;
  try {
    run = await startSipp({
      scenario: { file: "uas_digest_refuse.xml", tokens: { USERNAME, PASSWORD, REALM } },
      port: harness.sipPort,
      service: PEER,
      localPort: sippPort,
      timeoutSec: 30,
    });
    const { ended } = await call(harness);
    assert.deepEqual(await within(30_000, "the call to end", ended), { status: "failed", reason: "failed" });
    const result = await within(30_000, "sipp to finish", run.finished);
    assert.equal(result.code, 0, describeSipp(result));
    const invites = result.messages.match(/^INVITE sip:/gm) ?? [];
    assert.equal(invites.length, 2, describeSipp(result));
  } finally {
    await run?.stop();
    await harness.stop();
  }
});
