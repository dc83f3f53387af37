import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startBelay, type TestBelay } from "../e2e/harness.js";
import { call, get } from "./helpers.js";

/**
 * Every route in Belay's OpenAPI document, hit with the mistakes clients make: malformed ids,
 * bodies of the wrong shape, non-JSON, absurd query values. None may answer 500, and each answer
 * must be FreeClimb's error body. The routes come from the document, so a new route is covered
 * the day it is added.
 */

let harness: TestBelay;
let operations: Array<{ method: "GET" | "POST" | "DELETE"; path: string }>;

before(async () => {
  harness = await startBelay({ listen: false });
  const document = (await get(harness.belay, "/apiserver/openapi.json", null)).json<{
    paths: Record<string, Record<string, unknown>>;
  }>();
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((m) => ["get", "post", "delete"].includes(m))
      .map((m) => ({ method: m.toUpperCase() as "GET" | "POST" | "DELETE", path })),
  );
});
after(() => harness?.stop());

/** A concrete URL: this account, and for every other id the given value. */
function url(path: string, id: (param: string) => string, query = ""): string {
  const filled = path.replace(/\{(\w+)\}/g, (_m, param: string) =>
    param === "accountId" ? harness.belay.account.accountId : id(param),
  );
  return `${filled}${query}`;
}

const PREFIX: Record<string, string> = {
  applicationId: "AP",
  phoneNumberId: "PN",
  callId: "CA",
  recordingId: "RE",
  queueId: "QU",
};
const wellFormed = (param: string) => `${PREFIX[param] ?? "XX"}${"ab".repeat(20)}`;

function assertClientError(status: number, body: string, what: string): void {
  assert.ok(status >= 400 && status < 500, `${what}: ${status} ${body}`);
  const parsed = JSON.parse(body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).sort(), ["code", "details", "message", "url"], what);
}

test("the document lists the routes this test walks", () => {
  assert.ok(operations.length >= 20, `${operations.length} operations`);
});

test("malformed ids are 400s naming the parameter", async () => {
  for (const { method, path } of operations) {
    if (!/\{(?!accountId)\w+\}/.test(path)) continue;
    for (const bad of ["nope", "CA123", `${"XY"}${"0".repeat(40)}`, "%00", "AP".padEnd(42, "G")]) {
      const response = await call(
        harness.belay,
        method,
        url(path, () => encodeURIComponent(bad)),
        {
          ...(method === "POST" ? { body: {} } : {}),
        },
      );
      // A signed link tells a malformed link from a forged one no better than it must: 403 for both.
      const expected = path.startsWith("/belay/v1/recording-links/") ? 403 : 400;
      assert.equal(response.status, expected, `${method} ${path} with ${bad}: ${response.body}`);
      assertClientError(response.status, response.body, `${method} ${path} ${bad}`);
    }
  }
});

test("well-formed ids that do not exist are 404s, never 500", async () => {
  for (const { method, path } of operations) {
    if (!/\{(?!accountId)\w+\}/.test(path)) continue;
    const response = await call(harness.belay, method, url(path, wellFormed), {
      ...(method === "POST" ? { body: { status: "completed", expiresInSec: 60 } } : {}),
    });
    assertClientError(response.status, response.body, `${method} ${path}`);
  }
});

test("bodies of the wrong shape and non-JSON bodies are 400s", async () => {
  // Not null: Fastify hands a POST without a body to the route as null, and FreeClimb accepts
  // bodiless creates and updates.
  const shapes: unknown[] = [[], "text", 42, { to: 5, from: [], alias: {}, voiceUrl: 7, timeout: "x" }];
  for (const { path } of operations.filter((o) => o.method === "POST")) {
    for (const shape of shapes) {
      const response = await call(harness.belay, "POST", url(path, wellFormed), {
        body: JSON.stringify(shape),
        headers: { "content-type": "application/json" },
      });
      assertClientError(response.status, response.body, `POST ${path} ${JSON.stringify(shape)}`);
    }
    const garbage = await call(harness.belay, "POST", url(path, wellFormed), {
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    assert.equal(garbage.status, 400, `POST ${path} non-JSON: ${garbage.body}`);
  }
});

test("absurd paging values on lists are 400s", async () => {
  const queries = ["?pageSize=0", "?pageSize=-1", "?pageSize=99999", "?cursor=%ff%fe", "?cursor=bm9wZQ"];
  const lists = operations.filter(
    (o) => o.method === "GET" && o.path.startsWith("/apiserver/Accounts/") && !o.path.endsWith("}"),
  );
  for (const { path } of lists) {
    for (const query of queries) {
      const response = await call(harness.belay, "GET", url(path, wellFormed, query));
      assertClientError(response.status, response.body, `GET ${path}${query}`);
    }
  }
});

test("a body over 1 MB is 413 on every FreeClimb route; audio-carrying extensions take 64 MB", async () => {
  const big = JSON.stringify({ alias: "x".repeat(1024 * 1024 + 10) });
  for (const { path } of operations.filter((o) => o.method === "POST")) {
    const response = await call(harness.belay, "POST", url(path, wellFormed), {
      body: big,
      headers: { "content-type": "application/json" },
    });
    const audioCarrying = [
      "/belay/v1/virtual-calls",
      "/belay/v1/devices",
      "/belay/v1/devices/{phoneNumber}",
      "/belay/v1/scenarios",
    ].includes(path);
    if (audioCarrying) assert.notEqual(response.status, 413, `POST ${path}`);
    else assert.equal(response.status, 413, `POST ${path}: ${response.body}`);
    assertClientError(response.status, response.body, `POST ${path} 1 MB`);
  }
});
