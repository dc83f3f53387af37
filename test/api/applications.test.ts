import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseRfc1123 } from "../../src/contract/rest.js";
import type { AccountRow } from "../../src/store/types.js";
import { basicAuth, createAccount, openApiErrors, startBelay, type TestBelay } from "../e2e/harness.js";
import { assertApiError, call, get } from "./helpers.js";

/** Applications: list, create, get, update, delete, as FreeClimb shapes them. */

let harness: TestBelay;
let other: AccountRow;
let base: string;

before(async () => {
  harness = await startBelay({ listen: false });
  other = await createAccount(harness.belay, "other");
  base = `/apiserver/Accounts/${harness.belay.account.accountId}/Applications`;
});

after(async () => {
  await harness?.stop();
});

type App = Record<string, unknown> & { applicationId: string; revision: number; uri: string };

async function create(body: Record<string, unknown>): Promise<App> {
  const response = await call(harness.belay, "POST", base, { body });
  assert.equal(response.status, 201, response.body);
  return response.json<App>();
}

const URLS = {
  voiceUrl: "http://127.0.0.1:3000/voice",
  voiceFallbackUrl: "https://127.0.0.1:3000/fallback",
  callConnectUrl: "http://127.0.0.1:3000/connect",
  statusCallbackUrl: "http://127.0.0.1:3000/status",
  smsUrl: "http://127.0.0.1:3000/sms",
  smsFallbackUrl: "http://127.0.0.1:3000/sms-fallback",
};

describe("create and get", () => {
  test("POST creates (201) an ApplicationResult with exactly FreeClimb's fields", async () => {
    const { accountId } = harness.belay.account;
    const app = await create({ alias: "voicemail", ...URLS });
    assert.deepEqual(openApiErrors("ApplicationResult", app), []);
    assert.match(app.applicationId, /^AP[0-9a-f]{40}$/);
    assert.deepEqual(
      { ...app, dateCreated: "", dateUpdated: "" },
      {
        uri: `/Accounts/${accountId}/Applications/${app.applicationId}`,
        dateCreated: "",
        dateUpdated: "",
        revision: 1,
        accountId,
        applicationId: app.applicationId,
        alias: "voicemail",
        ...URLS,
      },
    );
    for (const field of ["dateCreated", "dateUpdated"]) {
      assert.notEqual(parseRfc1123(String(app[field])), undefined, `${field} ${app[field]} is RFC 1123`);
    }
    const fetched = await get(harness.belay, `/apiserver${app.uri}`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(openApiErrors("ApplicationResult", fetched.json()), []);
    assert.deepEqual(fetched.json(), app);
  });

  test("an empty body, or none, creates an application with every field null", async () => {
    for (const body of [{}, undefined]) {
      const response = await call(harness.belay, "POST", base, body === undefined ? {} : { body });
      assert.equal(response.status, 201, response.body);
      const app = response.json<App>();
      for (const field of ["alias", ...Object.keys(URLS)]) assert.equal(app[field], null, field);
    }
  });

  test("explicit nulls are accepted and unknown fields are ignored", async () => {
    const app = await create({ alias: "x", voiceUrl: null, colour: "blue", accountId: other.accountId });
    assert.equal(app.voiceUrl, null);
    assert.equal(app.accountId, harness.belay.account.accountId);
    assert.equal("colour" in app, false);
  });
});

describe("refused requests name the field", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["a relative URL", { voiceUrl: "/voice" }, "voiceUrl"],
    ["an ftp URL", { callConnectUrl: "ftp://127.0.0.1/x" }, "callConnectUrl"],
    ["not a URL", { statusCallbackUrl: "not a url" }, "statusCallbackUrl"],
    ["a number for a URL", { voiceFallbackUrl: 42 }, "voiceFallbackUrl"],
    ["a number for the alias", { alias: 7 }, "alias"],
    ["an alias over 64 characters", { alias: "a".repeat(65) }, "alias"],
  ];
  for (const [what, body, field] of cases) {
    test(`create with ${what}: 400 naming ${field}`, async () => {
      const error = assertApiError(await call(harness.belay, "POST", base, { body }), 400, { code: 20 });
      assert.equal(error.details.field, field);
      assert.match(error.message, new RegExp(`"${field}"`));
    });
  }

  test("update with a bad URL: 400 naming it, and nothing changes", async () => {
    const app = await create({ ...URLS });
    const response = await call(harness.belay, "POST", `/apiserver${app.uri}`, {
      body: { smsUrl: "mailto:x@example.com" },
    });
    assert.equal(assertApiError(response, 400).details.field, "smsUrl");
    assert.deepEqual((await get(harness.belay, `/apiserver${app.uri}`)).json(), app);
  });

  test("a body that is not an object: 400", async () => {
    const response = await call(harness.belay, "POST", base, { body: [1, 2] });
    assertApiError(response, 400, { code: 20 });
  });

  test("a malformed application id: 400 naming applicationId, for every method", async () => {
    for (const id of ["AP123", `CA${"0".repeat(40)}`, `AP${"A".repeat(40)}`]) {
      for (const method of ["GET", "POST", "DELETE"] as const) {
        const response = await call(harness.belay, method, `${base}/${id}`, {
          ...(method === "POST" ? { body: {} } : {}),
        });
        assert.equal(assertApiError(response, 400, { code: 20 }).details.field, "applicationId");
      }
    }
  });
});

describe("update", () => {
  test("changes only the fields given, bumps revision and sets dateUpdated to the time of the update", async () => {
    const app = await create({ alias: "before", ...URLS });
    const before = Math.floor(Date.now() / 1000) * 1000;
    const response = await call(harness.belay, "POST", `/apiserver${app.uri}`, {
      body: { alias: "after", voiceUrl: "https://127.0.0.1:4000/v2", smsUrl: null, ignored: true },
    });
    const afterUpdate = Date.now();
    assert.equal(response.status, 200, response.body);
    const updated = response.json<App>();
    assert.deepEqual(openApiErrors("ApplicationResult", updated), []);
    assert.deepEqual(updated, {
      ...app,
      alias: "after",
      voiceUrl: "https://127.0.0.1:4000/v2",
      smsUrl: null,
      revision: 2,
      dateUpdated: updated.dateUpdated,
    });
    const stamped = parseRfc1123(String(updated.dateUpdated)) as number;
    assert.ok(stamped >= before && stamped <= afterUpdate, `${updated.dateUpdated} is the update's time`);
    assert.ok(stamped >= (parseRfc1123(String(app.dateCreated)) as number));
    const again = await call(harness.belay, "POST", `/apiserver${app.uri}`, { body: {} });
    assert.equal(again.json<App>().revision, 3);
    assert.deepEqual((await get(harness.belay, `/apiserver${app.uri}`)).json<App>().revision, 3);
  });
});

describe("delete", () => {
  test("204 with no body; then 404 for get, update and delete", async () => {
    const app = await create({ alias: "doomed" });
    const response = await call(harness.belay, "DELETE", `/apiserver${app.uri}`);
    assert.equal(response.status, 204);
    assert.equal(response.body, "");
    for (const method of ["GET", "POST", "DELETE"] as const) {
      const gone = await call(harness.belay, method, `/apiserver${app.uri}`, {
        ...(method === "POST" ? { body: { alias: "x" } } : {}),
      });
      assertApiError(gone, 404, { code: 69, messageMatches: new RegExp(app.applicationId) });
    }
  });

  test("numbers routed to a deleted application stay, with applicationId null", async () => {
    const app = await create({ alias: "routed" });
    const numbers = `/apiserver/Accounts/${harness.belay.account.accountId}/IncomingPhoneNumbers`;
    const added = await call(harness.belay, "POST", numbers, {
      body: { phoneNumber: "+15557770001", applicationId: app.applicationId },
    });
    assert.equal(added.status, 200, added.body);
    const number = added.json<{ uri: string; revision: number }>();
    assert.equal((await call(harness.belay, "DELETE", `/apiserver${app.uri}`)).status, 204);
    const kept = await get(harness.belay, `/apiserver${number.uri}`);
    assert.equal(kept.status, 200);
    assert.equal(kept.json<{ applicationId: unknown }>().applicationId, null);
    assert.equal(kept.json<{ revision: number }>().revision, number.revision + 1);
  });
});

describe("list", () => {
  test("newest first, filtered by alias, paged through nextPageUri that keeps the filter", async () => {
    const made: App[] = [];
    for (let i = 0; i < 5; i++)
      made.push(await create({ alias: "paged", voiceUrl: `http://127.0.0.1/${i}` }));
    await create({ alias: "not-paged" });
    const seen: App[] = [];
    let path: string | null =
      `/Accounts/${harness.belay.account.accountId}/Applications?alias=paged&pageSize=2`;
    const shapes: number[][] = [];
    while (path !== null) {
      const response = await get(harness.belay, `/apiserver${path}`);
      assert.equal(response.status, 200, response.body);
      const page = response.json<
        Record<string, unknown> & { applications: App[]; nextPageUri: string | null }
      >();
      assert.deepEqual(openApiErrors("ApplicationList", page), []);
      shapes.push([page.total, page.start, page.end, page.page, page.numPages, page.pageSize] as number[]);
      if (page.nextPageUri !== null) {
        assert.match(page.nextPageUri, /^\/Accounts\/AC[0-9a-f]{40}\/Applications\?alias=paged&cursor=/);
      }
      seen.push(...page.applications);
      path = page.nextPageUri;
      assert.ok(shapes.length <= 3, "paging ends");
    }
    assert.deepEqual(shapes, [
      [5, 0, 1, 0, 3, 2],
      [5, 2, 3, 1, 3, 2],
      [5, 4, 4, 2, 3, 2],
    ]);
    assert.deepEqual(
      seen.map((a) => a.applicationId),
      made.map((a) => a.applicationId).reverse(),
    );
  });

  test("an alias nobody has: an empty list, one page, no nextPageUri", async () => {
    const response = await get(harness.belay, `${base}?alias=nobody`);
    const page = response.json<Record<string, unknown>>();
    assert.deepEqual(openApiErrors("ApplicationList", page), []);
    assert.deepEqual(
      { ...page },
      {
        total: 0,
        start: 0,
        end: 0,
        page: 0,
        numPages: 1,
        pageSize: 100,
        nextPageUri: null,
        applications: [],
      },
    );
  });

  test("a cursor Belay did not issue, or a bad pageSize: 400 naming it", async () => {
    assert.equal(assertApiError(await get(harness.belay, `${base}?cursor=zzz`), 400).details.field, "cursor");
    assert.equal(
      assertApiError(await get(harness.belay, `${base}?pageSize=0`), 400).details.field,
      "pageSize",
    );
  });
});

describe("accounts do not see each other's applications", () => {
  test("another account's application: 404 on its own path, absent from its list", async () => {
    const mine = await create({ alias: "mine" });
    const auth = basicAuth(other.accountId, other.apiKey);
    const theirBase = `/apiserver/Accounts/${other.accountId}/Applications`;
    for (const method of ["GET", "POST", "DELETE"] as const) {
      const response = await call(harness.belay, method, `${theirBase}/${mine.applicationId}`, {
        authorization: auth,
        ...(method === "POST" ? { body: { alias: "stolen" } } : {}),
      });
      assertApiError(response, 404, { code: 69 });
    }
    const list = (await call(harness.belay, "GET", theirBase, { authorization: auth })).json<{
      total: number;
      applications: App[];
    }>();
    assert.equal(list.total, 0);
    assert.deepEqual((await get(harness.belay, `/apiserver${mine.uri}`)).json(), mine);
  });

  test("another account's path with these credentials: 403", async () => {
    const response = await get(harness.belay, `/apiserver/Accounts/${other.accountId}/Applications`);
    assertApiError(response, 403, { code: 3 });
  });

  test("bad credentials: 401 with WWW-Authenticate, on every method", async () => {
    const wrong = basicAuth(harness.belay.account.accountId, "not-the-key-at-all");
    for (const [method, authorization] of [
      ["GET", wrong],
      ["POST", wrong],
      ["GET", null],
    ] as const) {
      const response = await call(harness.belay, method, base, {
        authorization,
        ...(method === "POST" ? { body: { alias: "x" } } : {}),
      });
      assertApiError(response, 401, { code: 1 });
      assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"');
    }
  });
});
