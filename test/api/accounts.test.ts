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
        logs: `/Accounts/${accountId}/Logs`,
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

test("POST the account: alias and label change, AccountResult as GET answers it", async () => {
  const second = await createAccount(harness.belay, "before");
  const auth = basicAuth(second.accountId, second.apiKey);
  const path = `/apiserver/Accounts/${second.accountId}`;
  const updated = await call(harness.belay, "POST", path, {
    authorization: auth,
    body: { alias: "support line", label: "team-a" },
  });
  assert.equal(updated.status, 200, updated.body);
  const body = updated.json();
  assert.deepEqual(openApiErrors("AccountResult", body), []);
  assert.deepEqual([body.alias, body.label, body.revision], ["support line", "team-a", 2]);
  const read = (await call(harness.belay, "GET", path, { authorization: auth })).json();
  assert.deepEqual(read, body);

  // An omitted field stays; null clears; an empty body (the CLI with no flags) changes nothing.
  const labelOnly = (
    await call(harness.belay, "POST", path, { authorization: auth, body: { label: "team-b" } })
  ).json();
  assert.deepEqual([labelOnly.alias, labelOnly.label], ["support line", "team-b"]);
  const cleared = (
    await call(harness.belay, "POST", path, { authorization: auth, body: { label: null } })
  ).json();
  assert.deepEqual([cleared.alias, cleared.label], ["support line", null]);
  const empty = await call(harness.belay, "POST", path, { authorization: auth, body: {} });
  assert.equal(empty.status, 200, empty.body);
  assert.deepEqual([empty.json().alias, empty.json().label], ["support line", null]);
});

test("POST the account: a wrong field type or an over-long text is a 400 naming the field", async () => {
  const { accountId } = harness.belay.account;
  const path = `/apiserver/Accounts/${accountId}`;
  const before = (await get(harness.belay, path)).json();
  for (const [body, field] of [
    [{ label: 5 }, "label"],
    [{ alias: "x".repeat(65) }, "alias"],
    [{ alias: ["a"] }, "alias"],
  ] as const) {
    const error = assertApiError(await call(harness.belay, "POST", path, { body }), 400, { code: 20 });
    assert.equal(error.details.field, field, error.message);
    assert.match(error.message, new RegExp(`"${field}"`));
  }
  const notJson = await call(harness.belay, "POST", path, {
    body: "{not json",
    headers: { "content-type": "application/json" },
  });
  assertApiError(notJson, 400, { code: 20 });
  assert.deepEqual((await get(harness.belay, path)).json(), before, "nothing changed");
});

test("POST the account: only the account itself; another's path is 403 and leaves it as it was", async () => {
  const victim = await createAccount(harness.belay, "victim");
  const path = `/apiserver/Accounts/${victim.accountId}`;
  const refused = await call(harness.belay, "POST", path, { body: { alias: "taken over", label: "x" } });
  assertApiError(refused, 403, { code: 3 });
  const unauthenticated = await call(harness.belay, "POST", path, {
    authorization: null,
    body: { alias: "taken over" },
  });
  assertApiError(unauthenticated, 401, { code: 1 });
  const stored = await harness.belay.store.accounts.get(victim.accountId);
  assert.deepEqual([stored?.alias, stored?.label, stored?.revision], ["victim", null, 1]);
});
