import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  createAccount,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { callAs } from "./calls.js";

let belay: TestBelay;
let app: ScriptedApp;
let base: string;

before(async () => {
  belay = await startBelay();
  base = belay.belay.publicUrl();
  app = await startScriptedApp({ "/voice": () => ({ body: [{ Hangup: {} }] }) });
});

after(async () => {
  await app?.close();
  await belay?.stop();
});

async function signIn(accountId: string, apiKey: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${base}/console/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ accountId, apiKey }),
  });
  assert.equal(response.status, 200);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken };
}

test("the session cookie is HttpOnly, SameSite=Strict and scoped to /console", async () => {
  const response = await fetch(`${base}/console/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ accountId: belay.belay.account.accountId, apiKey: belay.belay.account.apiKey }),
  });
  const cookie = response.headers.get("set-cookie") ?? "";
  assert.match(
    cookie,
    /^belay_console=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=43200; HttpOnly; SameSite=Strict$/,
  );
});

test("without a session the console API answers 401, with no Basic challenge", async () => {
  for (const [method, url] of [
    ["GET", "/console/api/session/current"],
    ["GET", "/console/api/rest/Calls"],
    ["GET", "/console/api/belay/devices"],
    ["GET", "/console/api/events"],
    ["POST", "/console/api/virtual-calls"],
    ["POST", "/console/api/rest/Applications"],
  ] as const) {
    const response = await fetch(`${base}${url}`, { method });
    assert.equal(response.status, 401, url);
    assert.equal(response.headers.get("www-authenticate"), null, url);
  }
  // The API's own credentials do not open the console's API: only a session does.
  const basic = `Basic ${Buffer.from(`${belay.belay.account.accountId}:${belay.belay.account.apiKey}`).toString("base64")}`;
  const withBasic = await fetch(`${base}/console/api/rest/Calls`, { headers: { authorization: basic } });
  assert.equal(withBasic.status, 401);
});

test("a write needs the session's CSRF token and the console's own origin", async () => {
  const { cookie, csrf } = await signIn(belay.belay.account.accountId, belay.belay.account.apiKey);
  const create = (headers: Record<string, string>) =>
    fetch(`${base}/console/api/rest/Applications`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", ...headers },
      body: JSON.stringify({ alias: "csrf", voiceUrl: `${app.url}/voice` }),
    });
  assert.equal((await create({})).status, 403, "no token");
  assert.equal((await create({ "x-belay-csrf": "wrong" })).status, 403, "wrong token");
  assert.equal(
    (await create({ "x-belay-csrf": csrf, origin: "http://evil.example" })).status,
    403,
    "other origin",
  );
  const made = await create({ "x-belay-csrf": csrf, origin: base });
  assert.equal(made.status, 201);
  const signInFromElsewhere = await fetch(`${base}/console/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://evil.example" },
    body: JSON.stringify({ accountId: belay.belay.account.accountId, apiKey: belay.belay.account.apiKey }),
  });
  assert.equal(signInFromElsewhere.status, 403);
});

test("a session reaches only its own account's calls, timelines and REST paths", async () => {
  const other = await createAccount(belay.belay, "other");
  const otherCall = await callAs(belay.belay, other, `${app.url}/voice`);
  const { cookie } = await signIn(belay.belay.account.accountId, belay.belay.account.apiKey);
  const get = (url: string) => fetch(`${base}${url}`, { headers: { cookie } });
  assert.equal((await get(`/console/api/calls/${otherCall}/timeline`)).status, 404);
  assert.equal((await get(`/console/api/rest/Calls/${otherCall}`)).status, 404);
  assert.equal((await get(`/console/api/rest/..%2F..%2FAccounts%2F${other.accountId}%2FCalls`)).status, 400);
  const own = (await (await get("/console/api/rest/Calls")).json()) as { calls: Array<{ callId: string }> };
  assert.ok(!own.calls.some((call) => call.callId === otherCall));
  const otherOwn = await signIn(other.accountId, other.apiKey);
  const timeline = await fetch(`${base}/console/api/calls/${otherCall}/timeline`, {
    headers: { cookie: otherOwn.cookie },
  });
  assert.equal(timeline.status, 200);
  const body = (await timeline.json()) as { events: Array<{ type: string }> };
  assert.equal(body.events.at(-1)?.type, "ended");
});

// A stream left open would hang the read below: the timeout turns that into a failure.
test("sign-out ends the session and its open event stream, and a changed API key ends it too", {
  timeout: 20_000,
}, async () => {
  const { cookie, csrf } = await signIn(belay.belay.account.accountId, belay.belay.account.apiKey);
  const stream = await fetch(`${base}/console/api/events`, { headers: { cookie } });
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  assert.equal((await reader.read()).done, false);
  const out = await fetch(`${base}/console/api/session/current`, {
    method: "DELETE",
    headers: { cookie, "x-belay-csrf": csrf, origin: base },
  });
  assert.equal(out.status, 204);
  // The session's open event stream ends with it.
  assert.equal((await reader.read()).done, true);
  assert.equal((await fetch(`${base}/console/api/session/current`, { headers: { cookie } })).status, 401);

  const third = await createAccount(belay.belay, "third");
  const session = await signIn(third.accountId, third.apiKey);
  await belay.belay.store.accounts.update(third.accountId, { apiKey: "rotated-key-000000000000" });
  const after = await fetch(`${base}/console/api/session/current`, { headers: { cookie: session.cookie } });
  assert.equal(after.status, 401);
});

test("the event stream carries only the session's account, and Belay closes with it open", async () => {
  const other = await createAccount(belay.belay, "streamless");
  const { cookie } = await signIn(belay.belay.account.accountId, belay.belay.account.apiKey);
  const stream = await fetch(`${base}/console/api/events`, { headers: { cookie } });
  assert.equal(stream.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  // The stream is open (its first line arrived) before either call starts.
  assert.match(new TextDecoder().decode((await reader.read()).value), /^retry: /);
  const otherCall = await callAs(belay.belay, other, `${app.url}/voice`);
  const ownCall = await callAs(belay.belay, belay.belay.account, `${app.url}/voice`);
  let text = "";
  while (!text.includes(`"callId":"${ownCall}","seq"`) || !text.includes('"type":"ended"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  assert.ok(text.includes(ownCall));
  assert.ok(!text.includes(otherCall), "another account's call on this account's stream");
  // Left open: after() closes Belay, which must end the stream rather than wait for it.
});
