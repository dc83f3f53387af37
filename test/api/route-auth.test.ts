import assert from "node:assert/strict";
import { Agent } from "node:http";
import { after, before, test } from "node:test";
import Fastify from "fastify";
import { guardRoutes } from "../../src/api/route-auth.js";
import { newId } from "../../src/contract/ids.js";
import type { AccountRow } from "../../src/store/types.js";
import {
  authOf,
  basicAuth,
  createAccount,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { assertApiError, call, recordingRoutes, seedCall } from "./helpers.js";
import {
  fastifyTemplate,
  fillTemplate,
  pathVariants,
  type RawResponse,
  type RouteTemplate,
  rawRequest,
  registeredRoutes,
} from "./route-variants.js";

/**
 * Authentication and the account check are decided on the route Fastify matched, so no spelling of
 * a path reaches a handler without the credentials its route asks for. Walks every route in Belay's
 * OpenAPI document and every route Fastify registered (swagger-ui's included), through inject()
 * and through a real socket (inject parses the URL as WHATWG does, which resolves dot segments and
 * backslashes before Fastify sees them; a socket delivers the path as sent).
 */

let harness: TestBelay;
let app: ScriptedApp;
let other: AccountRow;
let base: URL;
let values: Record<string, string>;
let routes: RouteTemplate[];
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Routes that answer anyone: they hold no account's data. */
const OPEN = new Set([
  "/healthz",
  "/apiserver/openapi.json",
  "/docs",
  "/docs/",
  "/docs/*",
  "/docs/json",
  "/docs/yaml",
  "/docs/static/index.html",
  "/docs/static/swagger-initializer.js",
  // The console's page and its bundled assets (its API takes a session: docs/console.md).
  "/console",
  "/console/",
  "/console/app.js",
  "/console/app.css",
]);
/** Public, with its own credential (the signature): without a valid one, 403 before anything else. */
const SIGNED_LINK = "/belay/v1/recording-links/:accountId/:file";
/** The console's API takes a session cookie, never Basic (docs/console.md); signing in is open. */
const CONSOLE_SIGN_IN = "/console/api/session";
const isConsoleApi = (url: string) => url.startsWith("/console/api/");
const DEVICE = "+15550007777";

before(async () => {
  harness = await startBelay();
  base = new URL(harness.belay.publicUrl());
  app = await startScriptedApp(recordingRoutes(1));
  const seeded = await seedCall(harness.belay, app);
  const owner = harness.belay.account.accountId;
  const created = async (url: string, body: Record<string, unknown>, field: string) => {
    const response = await call(harness.belay, "POST", url, { body });
    assert.ok(response.status === 200 || response.status === 201, response.body);
    return String(response.json()[field]);
  };
  values = {
    accountId: owner,
    callId: seeded.callId,
    recordingId: seeded.recordingIds[0] as string,
    file: `${seeded.recordingIds[0]}.wav`,
    applicationId: await created(
      `/apiserver/Accounts/${owner}/Applications`,
      { alias: "a" },
      "applicationId",
    ),
    phoneNumberId: await created(
      `/apiserver/Accounts/${owner}/IncomingPhoneNumbers`,
      { phoneNumber: "+15550003333" },
      "phoneNumberId",
    ),
    phoneNumber: await created("/belay/v1/devices", { phoneNumber: DEVICE }, "phoneNumber"),
    // From the store: creating one over REST needs the conference engine, not wired here.
    conferenceId: (
      await harness.belay.store.conferences.create({
        conferenceId: newId("CF"),
        accountId: owner,
        alias: null,
        playBeep: "always",
        record: false,
        status: "empty",
        waitUrl: null,
        actionUrl: null,
        statusCallbackUrl: null,
        callId: null,
      })
    ).conferenceId,
    queueId: await created(`/apiserver/Accounts/${owner}/Queues`, { alias: "q" }, "queueId"),
    "*": "static/index.html",
  };
  other = await createAccount(harness.belay, "other");
  routes = registeredRoutes(harness.belay.api.printRoutes({ commonPrefix: false }));
});

after(async () => {
  agent.destroy();
  await app?.close();
  await harness?.stop();
});

type Credential = "none" | "wrong" | "other account";
const authorizationOf = (credential: Credential): Record<string, string> => {
  const { accountId, apiKey } = harness.belay.account;
  if (credential === "wrong") return { authorization: basicAuth(accountId, `${apiKey}x`) };
  if (credential === "other account") return { authorization: basicAuth(other.accountId, other.apiKey) };
  return {};
};

interface Attempt {
  route: RouteTemplate;
  variant: string;
  path: string;
  credential: Credential;
}

/** Every spelling of every guarded route, with each credential that must be turned away. */
function attempts(): Attempt[] {
  const all: Attempt[] = [];
  for (const route of routes) {
    if (OPEN.has(route.url)) continue;
    const path = fillTemplate(route.url, values);
    for (const variant of [{ name: "as registered", path }, ...pathVariants(path)]) {
      // Another account is refused by the account in the path; /belay/v1 paths name none (there
      // the other account sees only its own data, which the resource tests check).
      const credentials: Credential[] = route.url.includes(":accountId")
        ? ["none", "wrong", "other account"]
        : ["none", "wrong"];
      for (const credential of credentials)
        all.push({ route, variant: variant.name, path: variant.path, credential });
    }
  }
  return all;
}

/** What is wrong with one answer, or undefined: 400/401/403/404, and a 404 that no handler made. */
function refusalProblem(attempt: Attempt, response: RawResponse): string | undefined {
  const { status } = response;
  if (![400, 401, 403, 404].includes(status)) return `status ${status}`;
  const challenge = response.headers["www-authenticate"];
  // The console's API answers 401 without a challenge: a browser must not pop up its Basic prompt.
  if (status === 401 && isConsoleApi(attempt.route.url)) {
    if (challenge !== undefined) return "console 401 with a Basic challenge";
  } else if (status === 401 && challenge !== 'Basic realm="Belay"') return "401 without a Basic challenge";
  // A 404 must be "no such endpoint" (code 4): a resource's 404 (67–73) means a handler ran.
  if (status === 404 && attempt.route.method !== "HEAD" && !/"code":4,/.test(response.body))
    return `404 from a handler: ${response.body}`;
  if (attempt.credential === "other account" && status === 401) return "401 for valid credentials";
  return undefined;
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

async function walk(
  send: (attempt: Attempt, headers: Record<string, string>, body?: string) => Promise<RawResponse>,
) {
  const failures: string[] = [];
  const all = attempts();
  await inBatches(all, 16, async (attempt) => {
    const headers = authorizationOf(attempt.credential);
    // A body for the routes that take one, so a request that got through would reach the handler.
    const withBody = attempt.route.method === "POST";
    if (withBody) headers["content-type"] = "application/json";
    const response = await send(attempt, headers, withBody ? "{}" : undefined);
    const problem = refusalProblem(attempt, response);
    if (problem)
      failures.push(
        `${attempt.route.method} ${attempt.path} (${attempt.route.url}, ${attempt.variant}, ${attempt.credential} credentials): ${problem}`,
      );
  });
  return { failures, count: all.length };
}

const report = (failures: string[]) =>
  `${failures.length} spellings got through:\n${failures.slice(0, 40).join("\n")}${failures.length > 40 ? "\n…" : ""}`;

test("every operation in the OpenAPI document is a registered route", async () => {
  const document = await call(harness.belay, "GET", "/apiserver/openapi.json", { authorization: null });
  assert.equal(document.status, 200);
  const paths = document.json<{ paths: Record<string, Record<string, unknown>> }>().paths;
  const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
  let operations = 0;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of Object.keys(item)) {
      operations++;
      assert.ok(registered.has(`${method.toUpperCase()} ${fastifyTemplate(path)}`), `${method} ${path}`);
    }
  }
  assert.ok(operations >= 25, `${operations} operations`);
  // HEAD for every GET, and swagger-ui's own routes: the walk covers more than the document.
  assert.ok(registered.has("HEAD /apiserver/Accounts/:accountId/Calls"));
  assert.ok(registered.has("GET /docs/*"));
});

test("without credentials, only the routes that say they are public answer", async () => {
  for (const route of routes) {
    const path = fillTemplate(route.url, values);
    const response = await call(harness.belay, route.method as "GET", path, { authorization: null });
    const label = `${route.method} ${route.url}`;
    if (OPEN.has(route.url)) {
      assert.ok(response.status >= 200 && response.status < 400, `${label}: ${response.status}`);
    } else if (route.url === "/console/*") {
      // find-my-way prints the console's REST bridge (/console/api/rest/*, /console/api/belay/*)
      // as `/console/*`, which is no path; test/console/session-security.test.ts walks the bridge.
      assert.equal(response.status, 404, label);
    } else if (route.url === CONSOLE_SIGN_IN) {
      assert.equal(response.status, 400, `${label}: ${response.body}`);
    } else if (isConsoleApi(route.url)) {
      assert.equal(response.status, 401, `${label}: ${response.body}`);
      assert.equal(response.headers["www-authenticate"], undefined, label);
    } else if (route.url === SIGNED_LINK) {
      assert.equal(response.status, 403, label);
    } else {
      assert.equal(response.status, 401, `${label}: ${response.body}`);
      assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"', label);
    }
  }
});

test("B asking under A's account with a percent-encoded 'Accounts' is refused (403), not shown B's list", async () => {
  const path = `/apiserver/%41ccounts/${values.accountId}/Calls`;
  const response = await call(harness.belay, "GET", path, {
    authorization: basicAuth(other.accountId, other.apiKey),
  });
  assert.equal(response.status, 403, response.body);
  const unauthenticated = await call(
    harness.belay,
    "GET",
    `/%61piserver/Accounts/${values.accountId}/Calls`,
    {
      authorization: null,
    },
  );
  assert.equal(unauthenticated.status, 401, unauthenticated.body);
});

test("no spelling of a guarded path gets through inject() without its account's credentials", async () => {
  const { failures, count } = await walk(async (attempt, headers, body) => {
    const response = await harness.belay.api.inject({
      method: attempt.route.method as "GET",
      url: attempt.path,
      headers,
      ...(body !== undefined ? { payload: body } : {}),
    });
    return {
      status: response.statusCode,
      headers: response.headers as RawResponse["headers"],
      body: response.body,
    };
  });
  assert.ok(count > 1000, `${count} attempts`);
  assert.deepEqual(failures, [], report(failures));
});

test("no spelling of a guarded path gets through a real socket without its account's credentials", async () => {
  const { failures, count } = await walk((attempt, headers, body) =>
    rawRequest(agent, base, attempt.route.method, attempt.path, headers, body),
  );
  assert.ok(count > 1000, `${count} attempts`);
  assert.deepEqual(failures, [], report(failures));
});

test("an unmatched path is the same 404 whoever asks: it tells nothing about credentials or accounts", async () => {
  const owner = values.accountId as string;
  for (const path of [
    `/apiserver/Accounts/${owner}/Nope`,
    `/APISERVER/Accounts/${owner}/Calls`,
    `/apiserver/Accounts/${owner}//Calls`,
    `/apiserver/Accounts/${other.accountId}/Calls/x/y`,
    "/belay/v1/nope",
  ]) {
    const answers = [];
    for (const authorization of [null, basicAuth(owner, "wrong"), authOf(harness.belay)]) {
      const response = await call(harness.belay, "GET", path, { authorization });
      assert.equal(response.status, 404, path);
      assert.equal(response.headers["www-authenticate"], undefined);
      answers.push(response.body);
    }
    assert.equal(new Set(answers).size, 1, `${path}: ${answers.join(" | ")}`);
    assert.deepEqual(JSON.parse(answers[0] as string), {
      code: 4,
      message: `no such endpoint: GET ${path}`,
      url: path,
      details: {},
    });
  }
});

test("a path Fastify cannot decode is a 400 in FreeClimb's error shape, before any credential is read", async () => {
  const path = `/apiserver/Accounts/${values.accountId}/Calls%zz`;
  for (const authorization of [null, authOf(harness.belay)]) {
    const response = await call(harness.belay, "GET", path, { authorization });
    assertApiError(response, 400, { code: 20, url: path });
  }
});

test("a route a plugin registers takes credentials unless it says it is public", async () => {
  const api = Fastify();
  guardRoutes(api, harness.belay.store);
  let reached = 0;
  await api.register(async (plugin) => {
    plugin.get("/plugin/thing", async () => {
      reached++;
      return "account data";
    });
    plugin.get("/plugin/open", { config: { public: true } }, async () => "anyone");
  });
  const without = await api.inject({ method: "GET", url: "/plugin/thing" });
  assert.notEqual(without.statusCode, 200);
  assert.equal(reached, 0);
  const withKey = await api.inject({
    method: "GET",
    url: "/plugin/thing",
    headers: { authorization: authOf(harness.belay) },
  });
  assert.equal(withKey.body, "account data");
  assert.equal((await api.inject({ method: "GET", url: "/plugin/open" })).body, "anyone");
  await api.close();
});

test("a route naming an account by another param than :accountId is refused when registered", async () => {
  const api = Fastify();
  guardRoutes(api, harness.belay.store);
  assert.throws(
    () => api.get("/apiserver/Accounts/:account/Things", async () => "skips the account check"),
    /names an account other than by :accountId/,
  );
  await api.close();
});

test("inject() and a socket read some spellings differently, which is why the walk uses both", async () => {
  const calls = `/apiserver/Accounts/${values.accountId}/Calls`;
  for (const spelling of [
    `/apiserver/x/..${calls.slice("/apiserver".length)}`,
    calls.replace("/Accounts", "\\Accounts"),
  ]) {
    const injected = await call(harness.belay, "GET", spelling, { authorization: null });
    const sent = await rawRequest(agent, base, "GET", spelling, {});
    // inject() resolves the URL as WHATWG does (dot segments, backslashes) before Fastify routes it.
    assert.equal(injected.status, 401, spelling);
    assert.equal(sent.status, 404, spelling);
  }
});
