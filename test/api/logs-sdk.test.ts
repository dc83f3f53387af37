import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import {
  authOf,
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TLS_FIXTURE,
} from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { seedCall } from "./helpers.js";

/**
 * FreeClimb's clients against the account update and the logs, over real HTTPS: the SDK
 * (@freeclimb/sdk 2.1.3: accounts.update, logs.get with and without a PQL filter, getNextPage),
 * and requests shaped as FreeClimb's CLI sends them (accounts:manage, calls:list-call-logs,
 * logs:filter, and --next, which sends only the cursor).
 */

interface SdkPage extends Record<string, unknown> {
  total: number;
  nextPageUri: string | null;
  logs: Array<Record<string, unknown>>;
}
interface Sdk {
  accounts: { update(accountId: string, options: Record<string, unknown>): Promise<Record<string, unknown>> };
  logs: {
    get(filters?: Record<string, unknown>): Promise<SdkPage>;
    getNextPage(uri: string): Promise<SdkPage>;
  };
}

let harness: TestBelay;
let app: ScriptedApp;
let sdk: Sdk;
let failedCallId: string;

before(async () => {
  harness = await startBelay({ tls: TLS_FIXTURE });
  app = await startScriptedApp({
    "/fails/voice": () => ({ status: 500, body: "" }),
    "/fine/voice": () => ({ body: [{ Say: { text: "hi" } }, { Hangup: {} }] }),
  });
  for (const name of ["fine", "fails", "fine", "fails"]) {
    const { callId } = await seedCall(harness.belay, { ...app, url: `${app.url}/${name}` });
    if (name === "fails") failedCallId = callId;
  }
  await harness.belay.callLogs.settled();
  const { accountId, apiKey } = harness.belay.account;
  const freeclimb = createRequire(import.meta.url)("@freeclimb/sdk")(accountId, apiKey);
  freeclimb.api.setApiUrl(`${harness.belay.publicUrl()}/apiserver`);
  sdk = freeclimb.api as Sdk;
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

/** What FreeClimb's CLI (axios) sends: Basic auth, `params` as the query, `data` as a JSON body. */
async function cli(
  method: "GET" | "POST",
  endpoint: string,
  content: { params?: Record<string, string>; data?: Record<string, unknown> } = {},
): Promise<{ status: number; data: Record<string, unknown> }> {
  const base = `${harness.belay.publicUrl()}/apiserver/Accounts/${harness.belay.account.accountId}`;
  const url = new URL(`${base}${endpoint}`);
  for (const [name, value] of Object.entries(content.params ?? {})) url.searchParams.set(name, value);
  const body = content.data === undefined ? undefined : JSON.stringify(content.data);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: readFileSync(TLS_FIXTURE.certFile),
        headers: {
          authorization: authOf(harness.belay),
          accept: "application/json, text/plain, */*",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            data: JSON.parse(Buffer.concat(chunks).toString() || "{}"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

test("SDK: accounts.update sets alias and label; the answer is the AccountResult", async () => {
  const { accountId } = harness.belay.account;
  const updated = await sdk.accounts.update(accountId, { alias: "from the sdk", label: "sdk-group" });
  assert.deepEqual(openApiErrors("AccountResult", updated), []);
  assert.deepEqual([updated.alias, updated.label], ["from the sdk", "sdk-group"]);
  const stored = await harness.belay.store.accounts.get(accountId);
  assert.deepEqual([stored?.alias, stored?.label], ["from the sdk", "sdk-group"]);
});

test("SDK: logs.get lists every entry; with a PQL filter only the matching ones, paged", async () => {
  const all = await sdk.logs.get();
  assert.deepEqual(validate("LogList", all), []);
  assert.ok(all.total >= 8, `total ${all.total}`);

  const errors = await sdk.logs.get({ pql: 'level = "error" AND metadata.status = 500' });
  assert.deepEqual(validate("LogList", errors), []);
  assert.equal(errors.total, 2, "one failed webhook per failing call");
  assert.ok(
    errors.logs.every((l) => l.level === "error" && (l.metadata as { status: number }).status === 500),
  );
  assert.notEqual(errors.logs[0]?.callId, errors.logs[1]?.callId);

  // The SDK sets no page size: a first page of one, asked for directly, gives it a next page.
  const first = await cli("POST", "/Logs", {
    params: { pageSize: "1" },
    data: { pql: 'level = "error" AND metadata.status = 500' },
  });
  const next = await sdk.logs.getNextPage(first.data.nextPageUri as string);
  assert.deepEqual(validate("LogList", next), []);
  assert.equal(next.total, 2);
  assert.equal(next.nextPageUri, null);
  assert.deepEqual(next.logs, [errors.logs[1]]);

  await assert.rejects(sdk.logs.get({ pql: "level = 'error'" }), /400.*single-quoted/);
});

test("CLI-shaped: accounts:manage, calls:list-call-logs, logs:filter and --next", async () => {
  const managed = await cli("POST", "", { data: { alias: "from the cli", label: "cli-group" } });
  assert.equal(managed.status, 200);
  assert.deepEqual(openApiErrors("AccountResult", managed.data), []);
  assert.deepEqual([managed.data.alias, managed.data.label], ["from the cli", "cli-group"]);

  const callLogs = await cli("GET", `/Calls/${failedCallId}/Logs`);
  assert.equal(callLogs.status, 200);
  assert.deepEqual(validate("LogList", callLogs.data), []);
  assert.deepEqual(
    (callLogs.data.logs as Array<{ level: string; callId: string }>).map((l) => [l.level, l.callId]),
    [
      ["error", failedCallId],
      ["error", failedCallId],
    ],
  );

  // logs:filter, then its --next: a GET carrying the cursor alone.
  const filtered = await cli("POST", "/Logs", { data: { pql: 'level = "info"' } });
  assert.equal(filtered.status, 200);
  const total = filtered.data.total as number;
  assert.ok(total >= 4);
  const firstPage = await cli("POST", "/Logs", {
    params: { pageSize: "3" },
    data: { pql: 'level = "info"' },
  });
  const cursor = new URL(`https://x${firstPage.data.nextPageUri as string}`).searchParams.get("cursor");
  assert.ok(cursor);
  const nextPage = await cli("GET", "/Logs", { params: { cursor } });
  assert.equal(nextPage.status, 200);
  assert.deepEqual(validate("LogList", nextPage.data), []);
  assert.equal(nextPage.data.total, total);
  const rest = nextPage.data.logs as Array<{ level: string }>;
  assert.equal(rest.length, total - 3);
  assert.ok(rest.every((l) => l.level === "info"));

  // The CLI's tail: its filter AND timestamp > the newest it has seen.
  const newest = (filtered.data.logs as Array<{ timestamp: number }>)[0]?.timestamp as number;
  const tail = await cli("POST", "/Logs", { data: { pql: `level = "info" AND timestamp>${newest}` } });
  assert.equal(tail.data.total, 0);
});
