import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { get, seedCall } from "./helpers.js";

/**
 * A call's status under both names: `status` (the OpenAPI document, SDK 4.2+) and `callStatus`
 * (what SDK 3.1.3–4.1.x read), the same value in GET, the list and POST's answer.
 */

let harness: TestBelay;
let app: ScriptedApp;
let callId: string;

before(async () => {
  harness = await startBelay({ listen: false });
  app = await startScriptedApp({ "/voice": () => ({ body: [{ Say: { text: "hi" } }, { Hangup: {} }] }) });
  ({ callId } = await seedCall(harness.belay, app));
});

after(async () => {
  await harness?.stop();
  await app?.close();
});

const callsPath = () => `/apiserver/Accounts/${harness.belay.account.accountId}/Calls`;

test("GET a call: status and callStatus, equal, valid against the OpenAPI CallResult", async () => {
  const response = await get(harness.belay, `${callsPath()}/${callId}`);
  assert.equal(response.status, 200, response.body);
  const body = response.json();
  assert.equal(body.status, "completed");
  assert.equal(body.callStatus, "completed");
  assert.deepEqual(openApiErrors("CallResult", body), []);
});

test("the list: every call carries both fields with one value", async () => {
  const response = await get(harness.belay, callsPath());
  assert.equal(response.status, 200, response.body);
  const list = response.json<{ calls: Array<Record<string, unknown>> }>();
  assert.ok(list.calls.length > 0);
  assert.deepEqual(validate("CallList", list), []);
  for (const each of list.calls) {
    assert.equal(each.callStatus, each.status);
    assert.deepEqual(openApiErrors("CallResult", each), []);
  }
});
