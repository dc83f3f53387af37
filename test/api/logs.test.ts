import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  basicAuth,
  createAccount,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { assertApiError, call, get, type Injected, seedCall } from "./helpers.js";

/**
 * Call logs: real virtual calls against a real HTTP app that fails in the ways apps do, then
 * GET /Calls/{CA}/Logs, GET /Logs and POST /Logs (PQL) through Fastify's inject(). Every list
 * is validated against FreeClimb's LogList.
 */

interface Log {
  timestamp: number;
  level: string;
  requestId: string | null;
  accountId: string;
  callId: string | null;
  message: string;
  metadata: Record<string, unknown> | null;
}
interface LogList {
  total: number;
  start: number;
  end: number;
  page: number;
  numPages: number;
  pageSize: number;
  nextPageUri: string | null;
  logs: Log[];
}

let harness: TestBelay;
let app: ScriptedApp;

before(async () => {
  harness = await startBelay({ listen: false });
  app = await startScriptedApp({
    "/fails/voice": () => ({ status: 500, body: "oops" }),
    "/invalid/voice": () => ({ body: [{ Sayy: { text: "typo" } }] }),
    "/unsupported/voice": () => ({
      body: [
        { Say: { text: "one moment" } },
        { Sms: { to: "+15550003333", from: "+15550002222", text: "hi" } },
      ],
    }),
    "/fine/voice": () => ({ body: [{ Say: { text: "hello" } }, { Hangup: {} }] }),
  });
});

after(async () => {
  await harness?.stop();
  await app?.close();
});

const accountPath = () => `/apiserver/Accounts/${harness.belay.account.accountId}`;

function logList(response: Injected): LogList {
  assert.equal(response.status, 200, response.body);
  const body = response.json<LogList>();
  assert.deepEqual(validate("LogList", body), [], response.body);
  for (const log of body.logs) assert.deepEqual(validate("LogResult", log), []);
  return body;
}

/** Runs one virtual call against `/<name>/voice` and returns its id, once its log is stored. */
async function callApp(name: string): Promise<string> {
  const scoped = { ...app, url: `${app.url}/${name}` };
  const { callId } = await seedCall(harness.belay, scoped);
  await harness.belay.callLogs.settled();
  return callId;
}

async function callLogs(callId: string): Promise<Log[]> {
  return logList(await get(harness.belay, `${accountPath()}/Calls/${callId}/Logs`)).logs;
}

describe("what a call logs", () => {
  test("an app answering 500: an error naming the URL and status, with latency, then the end", async () => {
    const callId = await callApp("fails");
    const logs = await callLogs(callId);
    const [ended, webhook] = logs;
    assert.equal(logs.length, 2, JSON.stringify(logs));
    assert.equal(webhook?.level, "error");
    assert.equal(webhook?.message, `inboundCall webhook failed: POST ${app.url}/fails/voice answered 500`);
    assert.equal(webhook?.metadata?.status, 500);
    assert.equal(webhook?.metadata?.url, `${app.url}/fails/voice`);
    assert.equal(webhook?.metadata?.requestType, "inboundCall");
    assert.equal(typeof webhook?.metadata?.latencyMs, "number");
    assert.equal(ended?.level, "error");
    assert.equal(ended?.message, "call ended: failed (webhookFailed)");
    assert.deepEqual(ended?.metadata, { callStatus: "failed", callEndedReason: "webhookFailed" });
    // Both belong to the one webhook exchange, and to this call and account.
    assert.match(String(webhook?.requestId), /^RQ[0-9a-f]{40}$/);
    assert.equal(ended?.requestId, webhook?.requestId);
    for (const log of logs) {
      assert.equal(log.callId, callId);
      assert.equal(log.accountId, harness.belay.account.accountId);
    }
  });

  test("timestamps are microseconds within the call's start and end, newest first", async () => {
    const callId = await callApp("fine");
    const row = await harness.belay.store.calls.get(harness.belay.account.accountId, callId);
    const logs = await callLogs(callId);
    assert.ok(logs.length >= 2);
    for (const log of logs) {
      assert.ok(Number.isSafeInteger(log.timestamp));
      assert.ok(log.timestamp >= (row?.startTime ?? 0) * 1000, "not before the start");
      assert.ok(log.timestamp <= (row?.endTime ?? 0) * 1000, "not after the end");
    }
    const times = logs.map((l) => l.timestamp);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    assert.deepEqual(
      logs.map((l) => [l.level, l.message.replace(/\d+ ms/, "N ms")]),
      [
        ["info", "call ended: completed (appHangup)"],
        ["info", `inboundCall webhook: POST ${app.url}/fine/voice answered 200 in N ms`],
      ],
    );
  });

  test("invalid PerCL: an error saying what is wrong, and the end appInvalidPercl", async () => {
    const logs = await callLogs(await callApp("invalid"));
    assert.deepEqual(
      logs.map((l) => [l.level, l.message]),
      [
        ["error", "call ended: failed (appInvalidPercl)"],
        [
          "error",
          `inboundCall webhook failed: POST ${app.url}/invalid/voice returned invalid PerCL: command 0: unknown PerCL command "Sayy"`,
        ],
      ],
    );
  });

  test("an unsupported command: an error naming it, and the end perclProcessingError", async () => {
    const logs = await callLogs(await callApp("unsupported"));
    assert.deepEqual(
      logs.map((l) => [l.level, l.message.replace(/\d+ ms/, "N ms")]),
      [
        ["error", "call ended: completed (perclProcessingError)"],
        ["error", "PerCL command Sms is not supported by Belay yet"],
        ["info", `inboundCall webhook: POST ${app.url}/unsupported/voice answered 200 in N ms`],
      ],
    );
  });

  test("an unknown call is 404 (code 67); a malformed id 400", async () => {
    assertApiError(await get(harness.belay, `${accountPath()}/Calls/CA${"0".repeat(40)}/Logs`), 404, {
      code: 67,
    });
    assertApiError(await get(harness.belay, `${accountPath()}/Calls/CA123/Logs`), 400, { code: 20 });
  });
});

describe("listing and paging", () => {
  test("GET /Logs pages newest first; nextPageUri walks every entry once, unshifted by new ones", async () => {
    await callApp("fine");
    await callApp("fails");
    const all = logList(await get(harness.belay, `${accountPath()}/Logs?pageSize=1000`));
    assert.ok(all.total >= 4);
    const seen: Log[] = [];
    let page = logList(await get(harness.belay, `${accountPath()}/Logs?pageSize=3`));
    assert.deepEqual([page.start, page.end, page.page, page.pageSize], [0, 2, 0, 3]);
    assert.equal(page.numPages, Math.ceil(all.total / 3));
    // Logs written after the first page stay out of the walk that began before them.
    await callApp("invalid");
    for (;;) {
      seen.push(...page.logs);
      if (page.nextPageUri === null) break;
      page = logList(await get(harness.belay, `/apiserver${page.nextPageUri}`));
      assert.equal(page.total, all.total);
    }
    assert.deepEqual(seen, all.logs);
  });

  test("a cursor Belay did not issue is a 400 naming cursor", async () => {
    for (const cursor of ["nope", Buffer.from('{"o":-1,"s":1}').toString("base64url")]) {
      const error = assertApiError(await get(harness.belay, `${accountPath()}/Logs?cursor=${cursor}`), 400, {
        code: 20,
      });
      assert.equal(error.details.field, "cursor");
    }
  });

  test("another account sees none of these logs, and cannot read this account's", async () => {
    const other = await createAccount(harness.belay, "other");
    const auth = basicAuth(other.accountId, other.apiKey);
    const own = await call(harness.belay, "GET", `/apiserver/Accounts/${other.accountId}/Logs`, {
      authorization: auth,
    });
    assert.equal(logList(own).total, 0);
    const refused = await call(harness.belay, "GET", `${accountPath()}/Logs`, { authorization: auth });
    assertApiError(refused, 403, { code: 3 });
    const callId = await callApp("fails");
    const theirs = await call(
      harness.belay,
      "GET",
      `/apiserver/Accounts/${other.accountId}/Calls/${callId}/Logs`,
      { authorization: auth },
    );
    assertApiError(theirs, 404, { code: 67 });
  });
});

describe("POST /Logs with PQL", () => {
  const filter = (pql: string, query = "") =>
    call(harness.belay, "POST", `${accountPath()}/Logs${query}`, { body: { pql } });

  test("level, metadata, callId, timestamp, AND, OR and parentheses select what they say", async () => {
    const failing = await callApp("fails");
    const fine = await callApp("fine");
    const errors = logList(await filter('level = "error"'));
    assert.ok(errors.total > 0);
    assert.ok(errors.logs.every((l) => l.level === "error"));

    const byStatus = logList(await filter(`metadata.status >= 500 AND callId = "${failing}"`));
    assert.deepEqual(
      byStatus.logs.map((l) => l.message),
      [`inboundCall webhook failed: POST ${app.url}/fails/voice answered 500`],
    );

    const either = logList(await filter(`(callId = "${failing}" OR callId = "${fine}") AND level != "info"`));
    assert.ok(either.logs.length >= 2);
    assert.ok(either.logs.every((l) => l.callId === failing && l.level === "error"));

    const latest = (await callLogs(fine))[0] as Log;
    const after = logList(await filter(`timestamp > ${latest.timestamp - 1} AND callId = "${fine}"`));
    assert.deepEqual(
      after.logs.map((l) => l.timestamp),
      [latest.timestamp],
    );
    const nested = logList(await filter(`metadata.callEndedReason = "appHangup" AND callId = "${fine}"`));
    assert.equal(nested.total, 1);
  });

  test("the next page of a filtered listing, fetched with GET as the SDK and CLI do, keeps the filter", async () => {
    await callApp("fails");
    await callApp("fails");
    const first = logList(await filter('level = "error"', "?pageSize=1"));
    assert.ok(first.total >= 2);
    assert.ok(first.nextPageUri);
    const second = logList(await get(harness.belay, `/apiserver${first.nextPageUri}`));
    assert.equal(second.total, first.total);
    assert.equal(second.start, 1);
    assert.ok(second.logs.every((l) => l.level === "error"));
  });

  test("what PQL Belay does not support is a 400 that says what and where", async () => {
    for (const [pql, says] of [
      ["level = 'error'", /single-quoted string/],
      ['NOT level = "error"', /NOT/],
      ['severity = "error"', /key severity/],
      ['level = "fatal"', /levels are info, warning and error/],
      ['level > "info"', /level takes = or !=/],
      ['timestamp > "yesterday"', /it takes a number/],
      ['level = "error" callId = "x"', /expects AND or OR/],
      ['(level = "error"', /never closed/],
      ['level ~ "error"', /"~"/],
      ["metadata = 1", /name a key/],
      ['message = "unterminated', /never closed/],
    ] as const) {
      const error = assertApiError(await filter(pql), 400, { code: 20 });
      assert.equal(error.details.field, "pql", pql);
      assert.match(error.message, says, pql);
    }
    assertApiError(await call(harness.belay, "POST", `${accountPath()}/Logs`, { body: {} }), 400, {
      code: 20,
    });
    assertApiError(await filter("x".repeat(2049)), 400, { code: 20 });
  });
});
