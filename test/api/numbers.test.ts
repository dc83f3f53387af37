import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { parseRfc1123 } from "../../src/contract/rest.js";
import type { AccountRow } from "../../src/store/types.js";
import { basicAuth, createAccount, openApiErrors, startBelay, type TestBelay } from "../e2e/harness.js";
import { assertApiError, call, get } from "./helpers.js";

/** IncomingPhoneNumbers: list, add, get, update, release. */

let harness: TestBelay;
let other: AccountRow;
let otherAuth: string;
let base: string;
let appId: string;
let otherAppId: string;

before(async () => {
  harness = await startBelay({ listen: false });
  other = await createAccount(harness.belay, "other");
  otherAuth = basicAuth(other.accountId, other.apiKey);
  base = `/apiserver/Accounts/${harness.belay.account.accountId}/IncomingPhoneNumbers`;
  const app = await call(
    harness.belay,
    "POST",
    `/apiserver/Accounts/${harness.belay.account.accountId}/Applications`,
    {
      body: { alias: "mine", voiceUrl: "http://127.0.0.1:3000/voice" },
    },
  );
  appId = app.json<{ applicationId: string }>().applicationId;
  const theirs = await call(harness.belay, "POST", `/apiserver/Accounts/${other.accountId}/Applications`, {
    body: { alias: "theirs" },
    authorization: otherAuth,
  });
  otherAppId = theirs.json<{ applicationId: string }>().applicationId;
});

after(async () => {
  await harness?.stop();
});

type NumberResult = Record<string, unknown> & {
  phoneNumberId: string;
  uri: string;
  revision: number;
  applicationId: string | null;
  phoneNumber: string;
};

let nextNumber = 1000;
const fresh = () => `+1555200${nextNumber++}`;

async function add(body: Record<string, unknown>, authorization?: string): Promise<NumberResult> {
  const url = authorization ? `/apiserver/Accounts/${other.accountId}/IncomingPhoneNumbers` : base;
  const response = await call(harness.belay, "POST", url, { body, authorization });
  assert.equal(response.status, 200, response.body);
  const number = response.json<NumberResult>();
  assert.deepEqual(openApiErrors("IncomingNumberResult", number), []);
  return number;
}

describe("add and get", () => {
  test("POST adds the number (200) as an IncomingNumberResult with Belay's capabilities", async () => {
    const { accountId } = harness.belay.account;
    const number = await add({ phoneNumber: "+15550002222", alias: "front desk", applicationId: appId });
    assert.match(number.phoneNumberId, /^PN[0-9a-f]{40}$/);
    assert.deepEqual(
      { ...number, dateCreated: "", dateUpdated: "" },
      {
        uri: `/Accounts/${accountId}/IncomingPhoneNumbers/${number.phoneNumberId}`,
        dateCreated: "",
        dateUpdated: "",
        revision: 1,
        capabilities: { voice: true, sms: false, tollFree: false, tenDLC: false, shortCode: false },
        campaignId: null,
        phoneNumberId: number.phoneNumberId,
        accountId,
        applicationId: appId,
        phoneNumber: "+15550002222",
        alias: "front desk",
        region: null,
        country: "US",
        voiceEnabled: true,
        smsEnabled: false,
        offnet: false,
        tfn: null,
      },
    );
    for (const field of ["dateCreated", "dateUpdated"]) {
      assert.notEqual(parseRfc1123(String(number[field])), undefined, `${field} is RFC 1123`);
    }
    const fetched = await get(harness.belay, `/apiserver${number.uri}`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(openApiErrors("IncomingNumberResult", fetched.json()), []);
    assert.deepEqual(fetched.json(), number);
    // Inbound routing looks the number up in any account and finds this one.
    assert.equal(
      (await harness.belay.store.numbers.findByNumber("+15550002222"))?.phoneNumberId,
      number.phoneNumberId,
    );
  });

  test("toll-free and non-NANP numbers: tollFree and country follow the number", async () => {
    const tollFree = await add({ phoneNumber: "+18885550100" });
    assert.equal((tollFree.capabilities as { tollFree: boolean }).tollFree, true);
    assert.equal(tollFree.applicationId, null);
    assert.equal(tollFree.alias, null);
    const notTollFree = await add({ phoneNumber: "+18095550100" });
    assert.equal((notTollFree.capabilities as { tollFree: boolean }).tollFree, false);
    const british = await add({ phoneNumber: "+442079460000" });
    assert.equal(british.country, "GB");
    assert.equal((british.capabilities as { tollFree: boolean }).tollFree, false);
    const unknown = await add({ phoneNumber: "+3725550100" });
    assert.equal(unknown.country, null);
  });

  test("unknown fields are ignored", async () => {
    const number = await add({
      phoneNumber: fresh(),
      colour: "blue",
      accountId: other.accountId,
      smsEnabled: true,
    });
    assert.equal(number.accountId, harness.belay.account.accountId);
    assert.equal(number.smsEnabled, false);
    assert.equal("colour" in number, false);
  });
});

describe("add refuses", () => {
  const cases: Array<[string, unknown, string]> = [
    ["no phoneNumber", { alias: "x" }, "phoneNumber"],
    ["a number for phoneNumber", { phoneNumber: 15550002222 }, "phoneNumber"],
    ["a number that is not E.164", { phoneNumber: "555-0002" }, "phoneNumber"],
    ["E.164 without the plus", { phoneNumber: "15550002222" }, "phoneNumber"],
    ["a leading zero country code", { phoneNumber: "+05550002222" }, "phoneNumber"],
    ["a malformed applicationId", { phoneNumber: "+15550009999", applicationId: "AP42" }, "applicationId"],
    ["an alias over 64 characters", { phoneNumber: "+15550009999", alias: "a".repeat(65) }, "alias"],
    ["a number for the alias", { phoneNumber: "+15550009999", alias: 3 }, "alias"],
  ];
  for (const [what, body, field] of cases) {
    test(`${what}: 400 naming ${field}`, async () => {
      const error = assertApiError(await call(harness.belay, "POST", base, { body }), 400, { code: 20 });
      assert.equal(error.details.field, field);
      assert.match(error.message, new RegExp(`"${field}"`));
    });
  }

  test("no body at all: 400", async () => {
    assertApiError(await call(harness.belay, "POST", base), 400, { code: 20 });
  });

  test("an application that does not exist, or is another account's: 400 naming applicationId", async () => {
    const phoneNumber = fresh();
    for (const applicationId of [newId("AP"), otherAppId]) {
      const response = await call(harness.belay, "POST", base, { body: { phoneNumber, applicationId } });
      const error = assertApiError(response, 400, { code: 20 });
      assert.equal(error.details.field, "applicationId");
    }
    assert.equal(await harness.belay.store.numbers.findByNumber(phoneNumber), undefined);
  });

  test("a number already in Belay: 409, in this account or any other, without saying whose", async () => {
    const phoneNumber = fresh();
    await add({ phoneNumber });
    const again = await call(harness.belay, "POST", base, { body: { phoneNumber } });
    assertApiError(again, 409, { code: 9, messageMatches: /already in Belay/ });
    const elsewhere = await call(
      harness.belay,
      "POST",
      `/apiserver/Accounts/${other.accountId}/IncomingPhoneNumbers`,
      {
        body: { phoneNumber },
        authorization: otherAuth,
      },
    );
    const error = assertApiError(elsewhere, 409, { code: 9 });
    assert.doesNotMatch(error.message, new RegExp(harness.belay.account.accountId));
    assert.equal(
      (await harness.belay.store.numbers.findByNumber(phoneNumber))?.accountId,
      harness.belay.account.accountId,
    );
  });
});

describe("update", () => {
  test("applicationId and alias change, revision and dateUpdated follow; null detaches", async () => {
    const number = await add({ phoneNumber: fresh(), alias: "old" });
    const before = Math.floor(Date.now() / 1000) * 1000;
    const attached = await call(harness.belay, "POST", `/apiserver${number.uri}`, {
      body: { applicationId: appId, alias: "new", campaignId: "ignored" },
    });
    assert.equal(attached.status, 200, attached.body);
    const one = attached.json<NumberResult>();
    assert.deepEqual(openApiErrors("IncomingNumberResult", one), []);
    assert.deepEqual(one, {
      ...number,
      applicationId: appId,
      alias: "new",
      revision: 2,
      dateUpdated: one.dateUpdated,
    });
    const stamped = parseRfc1123(String(one.dateUpdated)) as number;
    assert.ok(stamped >= before && stamped <= Date.now());

    const aliasOnly = await call(harness.belay, "POST", `/apiserver${number.uri}`, {
      body: { alias: "newer" },
    });
    assert.deepEqual(
      [
        aliasOnly.json<NumberResult>().applicationId,
        aliasOnly.json<NumberResult>().alias,
        aliasOnly.json<NumberResult>().revision,
      ],
      [appId, "newer", 3],
    );
    const detached = await call(harness.belay, "POST", `/apiserver${number.uri}`, {
      body: { applicationId: null },
    });
    assert.equal(detached.status, 200, detached.body);
    assert.deepEqual(
      [detached.json<NumberResult>().applicationId, detached.json<NumberResult>().alias],
      [null, "newer"],
    );
    assert.equal(detached.json<NumberResult>().revision, 4);
  });

  test("another account's application, or one that does not exist: 400 naming applicationId, nothing changes", async () => {
    const number = await add({ phoneNumber: fresh(), applicationId: appId });
    for (const applicationId of [otherAppId, newId("AP")]) {
      const response = await call(harness.belay, "POST", `/apiserver${number.uri}`, {
        body: { applicationId },
      });
      assert.equal(assertApiError(response, 400, { code: 20 }).details.field, "applicationId");
    }
    assert.deepEqual((await get(harness.belay, `/apiserver${number.uri}`)).json(), number);
  });

  test("wrong types: 400 naming the field", async () => {
    const number = await add({ phoneNumber: fresh() });
    for (const [body, field] of [
      [{ applicationId: 5 }, "applicationId"],
      [{ alias: ["x"] }, "alias"],
      [{ applicationId: `PN${"0".repeat(40)}` }, "applicationId"],
    ] as const) {
      const response = await call(harness.belay, "POST", `/apiserver${number.uri}`, { body });
      assert.equal(assertApiError(response, 400).details.field, field);
    }
  });
});

describe("release", () => {
  test("204 with no body; the number is gone and can be added again", async () => {
    const phoneNumber = fresh();
    const number = await add({ phoneNumber });
    const released = await call(harness.belay, "DELETE", `/apiserver${number.uri}`);
    assert.equal(released.status, 204);
    assert.equal(released.body, "");
    for (const method of ["GET", "POST", "DELETE"] as const) {
      const gone = await call(harness.belay, method, `/apiserver${number.uri}`, {
        ...(method === "POST" ? { body: { alias: "x" } } : {}),
      });
      assertApiError(gone, 404, { code: 70, messageMatches: new RegExp(number.phoneNumberId) });
    }
    assert.equal(await harness.belay.store.numbers.findByNumber(phoneNumber), undefined);
    const again = await add({ phoneNumber }, otherAuth);
    assert.equal(again.accountId, other.accountId);
  });

  test("a malformed phone number id: 400 naming phoneNumberId", async () => {
    for (const id of ["PN1", `AP${"0".repeat(40)}`, `PN${"g".repeat(40)}`]) {
      for (const method of ["GET", "POST", "DELETE"] as const) {
        const response = await call(harness.belay, method, `${base}/${id}`, {
          ...(method === "POST" ? { body: {} } : {}),
        });
        assert.equal(assertApiError(response, 400, { code: 20 }).details.field, "phoneNumberId");
      }
    }
  });
});

describe("list", () => {
  let listed: { accountId: string; auth: string; base: string; numbers: NumberResult[]; appId: string };

  before(async () => {
    // A clean account, so totals are exact.
    const account = await createAccount(harness.belay, "lister");
    const auth = basicAuth(account.accountId, account.apiKey);
    const listBase = `/apiserver/Accounts/${account.accountId}/IncomingPhoneNumbers`;
    const app = await call(harness.belay, "POST", `/apiserver/Accounts/${account.accountId}/Applications`, {
      body: {},
      authorization: auth,
    });
    const listAppId = app.json<{ applicationId: string }>().applicationId;
    const numbers: NumberResult[] = [];
    const specs = [
      { phoneNumber: "+15553000001", alias: "sales", applicationId: listAppId },
      { phoneNumber: "+15553000002", alias: "sales" },
      { phoneNumber: "+15553000003", alias: "support", applicationId: listAppId },
      { phoneNumber: "+15554000004", alias: "sales", applicationId: listAppId },
      { phoneNumber: "+442079460001", alias: "london" },
    ];
    for (const body of specs) {
      const response = await call(harness.belay, "POST", listBase, { body, authorization: auth });
      assert.equal(response.status, 200, response.body);
      numbers.push(response.json<NumberResult>());
    }
    listed = { accountId: account.accountId, auth, base: listBase, numbers, appId: listAppId };
  });

  async function numbersOf(query: string): Promise<string[]> {
    const response = await call(harness.belay, "GET", `${listed.base}${query}`, {
      authorization: listed.auth,
    });
    assert.equal(response.status, 200, response.body);
    const page = response.json<{ incomingPhoneNumbers: NumberResult[]; total: number }>();
    assert.deepEqual(openApiErrors("IncomingNumberList", page), []);
    assert.equal(page.total, page.incomingPhoneNumbers.length);
    return page.incomingPhoneNumbers.map((n) => n.phoneNumber);
  }

  test("newest first; each filter narrows it", async () => {
    assert.deepEqual(
      await numbersOf(""),
      [...listed.numbers].reverse().map((n) => n.phoneNumber),
    );
    assert.deepEqual(await numbersOf("?alias=sales"), ["+15554000004", "+15553000002", "+15553000001"]);
    assert.deepEqual(await numbersOf(`?applicationId=${listed.appId}`), [
      "+15554000004",
      "+15553000003",
      "+15553000001",
    ]);
    assert.deepEqual(await numbersOf("?hasApplication=false"), ["+442079460001", "+15553000002"]);
    assert.deepEqual(await numbersOf("?hasApplication=true&alias=sales"), ["+15554000004", "+15553000001"]);
    assert.deepEqual(await numbersOf(`?applicationId=${newId("AP")}`), []);
  });

  test("phoneNumber: an E.164 number matches exactly; anything else is a regular expression", async () => {
    assert.deepEqual(await numbersOf(`?phoneNumber=${encodeURIComponent("+15553000002")}`), ["+15553000002"]);
    assert.deepEqual(await numbersOf(`?phoneNumber=${encodeURIComponent("+1555300000")}`), []);
    // Typed into a URL unencoded, the plus arrives as a space and still means the plus.
    assert.deepEqual(await numbersOf("?phoneNumber=+15553000002"), ["+15553000002"]);
    assert.deepEqual(await numbersOf("?phoneNumber=+15554.*"), ["+15554000004"]);
    assert.deepEqual(await numbersOf(`?phoneNumber=${encodeURIComponent("^\\+1555300")}`), [
      "+15553000003",
      "+15553000002",
      "+15553000001",
    ]);
    // A leading + is the number's own plus, not a quantifier.
    assert.deepEqual(await numbersOf(`?phoneNumber=${encodeURIComponent("+1555.*4$")}`), ["+15554000004"]);
    assert.deepEqual(await numbersOf(`?phoneNumber=${encodeURIComponent("^+44")}`), ["+442079460001"]);
    assert.deepEqual(await numbersOf(`?phoneNumber=${encodeURIComponent("0001$")}&alias=sales`), [
      "+15553000001",
    ]);
  });

  test("phoneNumber that is no pattern, and a bad hasApplication or applicationId: 400 naming it", async () => {
    for (const [query, field] of [
      [`phoneNumber=${encodeURIComponent("(+1")}`, "phoneNumber"],
      [`phoneNumber=${"1".repeat(65)}`, "phoneNumber"],
      ["hasApplication=yes", "hasApplication"],
      ["applicationId=AP1", "applicationId"],
    ]) {
      const response = await call(harness.belay, "GET", `${listed.base}?${query}`, {
        authorization: listed.auth,
      });
      assert.equal(assertApiError(response, 400, { code: 20 }).details.field, field, query);
    }
  });

  test("paging: nextPageUri carries the filters and its cursor reaches every match once", async () => {
    for (const query of [
      "?pageSize=2&alias=sales",
      `?pageSize=2&phoneNumber=${encodeURIComponent("^\\+1555")}`,
    ]) {
      const seen: string[] = [];
      const shapes: number[][] = [];
      let path: string | null = `/Accounts/${listed.accountId}/IncomingPhoneNumbers${query}`;
      while (path !== null) {
        const response = await call(harness.belay, "GET", `/apiserver${path}`, {
          authorization: listed.auth,
        });
        assert.equal(response.status, 200, response.body);
        const page = response.json<
          Record<string, number> & { incomingPhoneNumbers: NumberResult[]; nextPageUri: string | null }
        >();
        assert.deepEqual(openApiErrors("IncomingNumberList", page), []);
        shapes.push([page.total, page.start, page.end, page.page, page.numPages] as number[]);
        seen.push(...page.incomingPhoneNumbers.map((n) => n.phoneNumber));
        if (page.nextPageUri !== null) {
          const next = new URL(page.nextPageUri, "http://x");
          const filter = query.includes("alias") ? ["alias", "sales"] : ["phoneNumber", "^\\+1555"];
          assert.equal(next.searchParams.get(filter[0] as string), filter[1]);
          assert.ok(next.searchParams.get("cursor"));
        }
        path = page.nextPageUri;
        assert.ok(shapes.length <= 3, "paging ends");
      }
      const total = query.includes("alias") ? 3 : 4;
      assert.equal(seen.length, total, query);
      assert.equal(new Set(seen).size, total);
      assert.deepEqual(shapes[0], [total, 0, 1, 0, 2]);
      assert.deepEqual(shapes[1], [total, 2, total - 1, 1, 2]);
    }
  });
});

describe("accounts do not see each other's numbers", () => {
  test("another account's number: 404 on every method, absent from its list, unchanged", async () => {
    const mine = await add({ phoneNumber: fresh(), applicationId: appId });
    const theirPath = `/apiserver/Accounts/${other.accountId}/IncomingPhoneNumbers/${mine.phoneNumberId}`;
    for (const method of ["GET", "POST", "DELETE"] as const) {
      const response = await call(harness.belay, method, theirPath, {
        authorization: otherAuth,
        ...(method === "POST" ? { body: { applicationId: otherAppId } } : {}),
      });
      assertApiError(response, 404, { code: 70 });
    }
    const list = await call(
      harness.belay,
      "GET",
      `/apiserver/Accounts/${other.accountId}/IncomingPhoneNumbers`,
      {
        authorization: otherAuth,
      },
    );
    const numbers = list.json<{ incomingPhoneNumbers: NumberResult[] }>().incomingPhoneNumbers;
    assert.equal(
      numbers.some((n) => n.phoneNumberId === mine.phoneNumberId),
      false,
    );
    assert.ok(numbers.every((n) => n.accountId === other.accountId));
    assert.deepEqual((await get(harness.belay, `/apiserver${mine.uri}`)).json(), mine);
  });

  test("bad credentials: 401 with WWW-Authenticate", async () => {
    for (const authorization of [
      basicAuth(harness.belay.account.accountId, "wrong-key-wrong-key"),
      null,
      "Bearer x",
    ]) {
      const response = await call(harness.belay, "POST", base, {
        authorization,
        body: { phoneNumber: fresh() },
      });
      assertApiError(response, 401, { code: 1 });
      assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"');
    }
  });
});
