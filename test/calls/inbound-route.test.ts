import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { routeInbound } from "../../src/calls/inbound-route.js";
import { normalizeE164 } from "../../src/contract/e164.js";
import { newAccount, newApplication, newNumber, openTestStore, type TestStore } from "../store/helpers.js";

describe("normalizeE164", () => {
  test("accepts a dialled number with or without +, and visual separators", () => {
    assert.equal(normalizeE164("+15550002222"), "+15550002222");
    assert.equal(normalizeE164("15550002222"), "+15550002222");
    assert.equal(normalizeE164("+1 (555) 000-2222"), "+15550002222");
  });

  test("refuses what cannot be E.164", () => {
    for (const bad of ["", "+", "alice", "+0555000", "0555000", "+1234567890123456", "+1555x"]) {
      assert.equal(normalizeE164(bad), undefined, bad);
    }
  });
});

describe("routeInbound", () => {
  let t: TestStore;
  const account = newAccount(1);
  const withVoice = newApplication(account.accountId, 1, {
    voiceUrl: "http://127.0.0.1:9/voice",
    voiceFallbackUrl: "http://127.0.0.1:9/fallback",
    statusCallbackUrl: "http://127.0.0.1:9/status",
  });
  const withoutVoice = newApplication(account.accountId, 2, { voiceUrl: null });

  before(async () => {
    t = await openTestStore("memory");
    await t.store.accounts.create(account);
    await t.store.applications.create(withVoice);
    await t.store.applications.create(withoutVoice);
    await t.store.numbers.create(newNumber(account.accountId, 1, { applicationId: withVoice.applicationId }));
    await t.store.numbers.create(
      newNumber(account.accountId, 2, { applicationId: withoutVoice.applicationId }),
    );
    await t.store.numbers.create(newNumber(account.accountId, 3));
  });
  after(() => t.dispose());

  test("a number with an application routes to its voiceUrl, fallback and status URL", async () => {
    const route = await routeInbound(t.store, "+15550000001");
    assert.deepEqual(route, {
      accountId: account.accountId,
      phoneNumberId: newNumber(account.accountId, 1).phoneNumberId,
      applicationId: withVoice.applicationId,
      firstUrl: "http://127.0.0.1:9/voice",
      fallbackUrl: "http://127.0.0.1:9/fallback",
      statusCallbackUrl: "http://127.0.0.1:9/status",
    });
  });

  test("the number is found without its +, as SIP peers send it", async () => {
    assert.equal((await routeInbound(t.store, "15550000001"))?.applicationId, withVoice.applicationId);
  });

  test("an application without a voiceUrl → configErrorNoVoiceUrl", async () => {
    const route = await routeInbound(t.store, "+15550000002");
    assert.equal(typeof route?.firstUrl, "object");
    assert.deepEqual(route?.firstUrl, {
      missing: "configErrorNoVoiceUrl",
      message: `application ${withoutVoice.applicationId} of number +15550000002 has no voiceUrl`,
    });
    assert.equal(route?.applicationId, withoutVoice.applicationId);
  });

  test("a number without an application → configErrorNoApplication", async () => {
    const route = await routeInbound(t.store, "+15550000003");
    assert.deepEqual(route?.firstUrl, {
      missing: "configErrorNoApplication",
      message: `number +15550000003 has no application: set one with POST /IncomingPhoneNumbers/${newNumber(account.accountId, 3).phoneNumberId}`,
    });
    assert.equal(route?.applicationId, null);
    assert.equal(route?.statusCallbackUrl, null);
  });

  test("an unknown or malformed number has no route", async () => {
    assert.equal(await routeInbound(t.store, "+15559999999"), undefined);
    assert.equal(await routeInbound(t.store, "not-a-number"), undefined);
  });
});
