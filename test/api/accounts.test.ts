import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseRfc1123 } from "../../src/contract/rest.js";
import { basicAuth, createAccount, openApiErrors, startBelay, type TestBelay } from "../e2e/harness.js";
import { assertApiError, call, get } from "./helpers.js";

/** GET /Accounts/{acc}: the account the credentials belong to, as FreeClimb's AccountResult. */

let harness: TestBelay;

before(async () => {
  harness = await startBelay({ listen: false });
});

after(async () => {
  await harness?.stop();
});

test("the account: AccountResult, full and active, with its subresources", async () => {
  const { accountId, apiKey, signingSecret } = harness.belay.account;
  const response = await get(harness.belay, `/apiserver/Accounts/${accountId}`);
  assert.equal(response.status, 200, response.body);
  const account = response.json<Record<string, unknown>>();
  assert.deepEqual(openApiErrors("AccountResult", account), []);
  assert.deepEqual(
    { ...account, dateCreated: "", dateUpdated: "" },
    {
      uri: `/Accounts/${accountId}`,
      dateCreated: "",
      dateUpdated: "",
      revision: 1,
      accountId,
      apiKey,
      alias: "default",
      label: null,
      type: "full",
      status: "active",
      subresourceUris: {
        applications: `/Accounts/${accountId}/Applications`,
        calls: `/Accounts/${accountId}/Calls`,
        incomingPhoneNumbers: `/Accounts/${accountId}/IncomingPhoneNumbers`,
        recordings: `/Accounts/${accountId}/Recordings`,
      },
    },
  );
  for (const field of ["dateCreated", "dateUpdated"]) {
    assert.notEqual(parseRfc1123(String(account[field])), undefined, `${field} is RFC 1123`);
  }
  assert.doesNotMatch(response.body, new RegExp(signingSecret), "the signing secret is never returned");
});

test("every subresource URI answers 200 for the account", async () => {
  const { accountId } = harness.belay.account;
  const account = (await get(harness.belay, `/apiserver/Accounts/${accountId}`)).json<{
    subresourceUris: Record<string, string>;
  }>();
  for (const [name, uri] of Object.entries(account.subresourceUris)) {
    const response = await get(harness.belay, `/apiserver${uri}`);
    assert.equal(response.status, 200, `${name}: ${response.body}`);
  }
});

test("a second account sees itself, and gets 403 on the first", async () => {
  const second = await createAccount(harness.belay, "second");
  const auth = basicAuth(second.accountId, second.apiKey);
  const own = await call(harness.belay, "GET", `/apiserver/Accounts/${second.accountId}`, {
    authorization: auth,
  });
  assert.equal(own.status, 200);
  assert.deepEqual(
    [own.json<{ accountId: string }>().accountId, own.json<{ alias: string }>().alias],
    [second.accountId, "second"],
  );
  const first = await call(harness.belay, "GET", `/apiserver/Accounts/${harness.belay.account.accountId}`, {
    authorization: auth,
  });
  assertApiError(first, 403, { code: 3 });
  assert.doesNotMatch(first.body, new RegExp(harness.belay.account.apiKey));
});

test("bad credentials: 401 with WWW-Authenticate; a malformed account id: 400", async () => {
  const { accountId } = harness.belay.account;
  for (const authorization of [basicAuth(accountId, "wrong-key-wrong-key"), null]) {
    const response = await call(harness.belay, "GET", `/apiserver/Accounts/${accountId}`, { authorization });
    assertApiError(response, 401, { code: 1 });
    assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"');
    assert.doesNotMatch(response.body, new RegExp(harness.belay.account.apiKey));
  }
  for (const bad of ["AC123", `AP${"0".repeat(40)}`, `AC${"F".repeat(40)}`]) {
    const error = assertApiError(await get(harness.belay, `/apiserver/Accounts/${bad}/Applications`), 400, {
      code: 20,
    });
    assert.equal(error.details.field, "accountId");
  }
});
