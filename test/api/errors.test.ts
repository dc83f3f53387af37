import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  authOf,
  FROM,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TO,
} from "../e2e/harness.js";
import { assertApiError, get, type Injected } from "./helpers.js";

/** Requests Belay refuses, and the `{code, message, url, details}` body that says why. */

let harness: TestBelay;
let app: ScriptedApp;

before(async () => {
  harness = await startBelay({ listen: false });
  app = await startScriptedApp({ "/voice": () => ({ body: [{ Hangup: {} }] }) });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

async function postVirtualCall(
  payload: string | Buffer,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<Injected> {
  const response = await harness.belay.api.inject({
    method: "POST",
    url: "/belay/v1/virtual-calls",
    headers: { authorization: authOf(harness.belay), ...headers },
    payload,
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
    rawPayload: response.rawPayload,
    json: <T>() => response.json() as T,
  };
}

const valid = () => ({ appUrl: `${app.url}/voice`, from: FROM, to: TO, fast: true });

test("an unknown path: 404 with FreeClimb's error body", async () => {
  for (const url of [
    "/nope",
    "/belay/v2/virtual-calls",
    `/apiserver/Accounts/${harness.belay.account.accountId}/Nope`,
  ]) {
    const error = assertApiError(await get(harness.belay, url), 404, { url });
    assert.match(error.message, /no such endpoint/);
  }
});

test("the health check needs no credentials", async () => {
  const response = await get(harness.belay, "/healthz", null);
  assert.equal(response.status, 200);
  assert.deepEqual(response.json(), { ok: true, liveCalls: 0 });
});

test("a valid virtual call streams NDJSON ending in its result", async () => {
  const response = await postVirtualCall(JSON.stringify(valid()));
  assert.equal(response.status, 200);
  assert.equal(response.headers["content-type"], "application/x-ndjson");
  const lines = response.body
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines[0]?.type, "started");
  assert.deepEqual(
    { ...lines.at(-1), callId: null },
    { type: "result", callId: null, status: "completed", reason: "appHangup" },
  );
});

test("virtual calls need credentials too", async () => {
  const response = await harness.belay.api.inject({
    method: "POST",
    url: "/belay/v1/virtual-calls",
    payload: valid(),
  });
  assert.equal(response.statusCode, 401);
  assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"');
});

test("an invalid virtual-call body: 400 naming the field", async () => {
  const cases: Array<[Record<string, unknown> | unknown[] | string, string]> = [
    [{ ...valid(), appUrl: "ftp://example.com/voice" }, "appUrl"],
    [{ ...valid(), appUrl: "/voice" }, "appUrl"],
    [{ ...valid(), statusUrl: "not a url" }, "statusUrl"],
    [{ ...valid(), from: "5550001111" }, "from"],
    [{ ...valid(), to: 15550002222 }, "to"],
    [{ ...valid(), audio: "not base64!" }, "audio"],
    [{ ...valid(), audio: Buffer.from([1, 2, 3]).toString("base64") }, "audio"],
    [{ ...valid(), audioAtMs: -1 }, "audioAtMs"],
    [{ ...valid(), audioAtMs: 1.5 }, "audioAtMs"],
    [{ ...valid(), dtmf: [{ keys: "12x", atMs: 100 }] }, "dtmf.0.keys"],
    [{ ...valid(), dtmf: [{ keys: "1", atMs: 100 }, { keys: "#" }] }, "dtmf.1.atMs"],
    [{ ...valid(), hangupAtMs: "soon" }, "hangupAtMs"],
    [{ ...valid(), answerDelayMs: -5 }, "answerDelayMs"],
    [{ ...valid(), fast: "yes" }, "fast"],
    [[valid()], "body"],
    ["null", "body"],
  ];
  for (const [body, field] of cases) {
    const payload = typeof body === "string" ? body : JSON.stringify(body);
    const error = assertApiError(await postVirtualCall(payload), 400, { code: 20 });
    assert.equal(error.details.field, field, payload);
    assert.ok(error.message.startsWith(`"${field}" `), `${error.message} names ${field}`);
  }
});

test("a body that is not JSON: 400", async () => {
  assertApiError(await postVirtualCall("{not json"), 400);
});

test("a body over the limit: 413 before it is read", async () => {
  const limit = 64 * 1024 * 1024;
  const payload = Buffer.alloc(limit + 1, 0x20);
  const error = assertApiError(await postVirtualCall(payload), 413, { code: 21 });
  assert.match(error.message, /too large/i);
  // Just under the limit is read and judged on its content.
  assert.equal((await postVirtualCall(Buffer.alloc(limit, 0x20))).status, 400);
});
