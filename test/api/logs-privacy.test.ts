import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../../src/server/belay.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { get, seedCall } from "./helpers.js";

/**
 * GetDigits under privacyMode: the keys reach the app and nothing else (docs/privacy.md), so the
 * call's log (as served and as stored) never holds them, whether the app answers or fails.
 */

const SECRET_KEYS = "90817263";

let harness: TestBelay;
let app: ScriptedApp;

before(async () => {
  harness = await startBelay({ listen: false });
  const getDigits = (base: string, next: string) => [
    { GetDigits: { actionUrl: `${base}/${next}`, privacyMode: true, maxDigits: 12, finishOnKey: "#" } },
  ];
  app = await startScriptedApp({
    "/answers/voice": (_hit, base) => ({ body: getDigits(base, "answers/digits") }),
    "/answers/digits": () => ({ body: [{ Say: { text: "thank you" } }, { Hangup: {} }] }),
    "/fails/voice": (_hit, base) => ({ body: getDigits(base, "fails/digits") }),
    "/fails/digits": () => ({ status: 500, body: "down" }),
  });
});

after(async () => {
  await harness?.stop();
  await app?.close();
});

for (const variant of ["answers", "fails"] as const) {
  test(`privacyMode digits never reach the call log (the app ${variant})`, async () => {
    const { callId } = await seedCall(
      harness.belay,
      { ...app, url: `${app.url}/${variant}` },
      { dtmf: [{ keys: `${SECRET_KEYS}#`, atMs: 500 }] },
    );
    await harness.belay.callLogs.settled();
    // The app did get the keys: the test would prove nothing otherwise.
    const delivered = app.hits.find((h) => h.path === `/${variant}/digits`);
    assert.equal(delivered?.body.digits, SECRET_KEYS);

    const { accountId } = harness.belay.account;
    const response = await get(harness.belay, `/apiserver/Accounts/${accountId}/Calls/${callId}/Logs`);
    assert.equal(response.status, 200, response.body);
    assert.deepEqual(validate("LogList", response.json()), []);
    const logs = response.json<{ logs: Array<{ level: string; message: string }> }>().logs;
    const getDigitsWebhook = logs.find((l) => l.message.startsWith("getDigits webhook"));
    assert.ok(getDigitsWebhook, "the getDigits webhook is logged");
    assert.equal(getDigitsWebhook.level, variant === "fails" ? "error" : "info");
    assert.doesNotMatch(response.body, new RegExp(SECRET_KEYS));

    const sqlite = new Database(path.join(harness.dataDir, DATABASE_FILE), { readonly: true });
    try {
      const stored = JSON.stringify(sqlite.prepare("select * from call_logs").all());
      assert.ok(stored.includes(callId));
      assert.doesNotMatch(stored, new RegExp(SECRET_KEYS));
    } finally {
      sqlite.close();
    }
  });
}
