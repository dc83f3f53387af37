import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newApiKey, newId } from "../../src/contract/ids.js";
import { parseRfc1123 } from "../../src/contract/rest.js";
import type { AccountRow } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import {
  basicAuth,
  createAccount,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { assertApiError, call, get, type Injected, recordingRoutes, seedCall } from "./helpers.js";

/**
 * Signed download links: minted with Basic auth, used without it until they expire. Belay runs on
 * a simulated clock with its periodic jobs stopped, so expiry is tested to the millisecond.
 */

const PUBLIC_URL = "https://recordings.belay.test:8443";

let harness: TestBelay;
let app: ScriptedApp;
let clock: SimulatedClock;
let other: AccountRow;
let recordingIds: string[];
let wav: Buffer;

before(async () => {
  clock = new SimulatedClock(Date.UTC(2026, 11, 1, 6, 0, 0, 250));
  harness = await startBelay({ listen: false, clock, publicUrl: PUBLIC_URL });
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
  await harness.belay.app.stopOutbox();
  app = await startScriptedApp(recordingRoutes(3));
  ({ recordingIds } = await seedCall(harness.belay, app));
  assert.equal(recordingIds.length, 3);
  wav = (await get(harness.belay, `${recordingPath(0)}/Download`)).rawPayload;
  other = await createAccount(harness.belay, "other");
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

function recordingPath(index: number, id = recordingIds[index]): string {
  return `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${id}`;
}

type Minted = { url: string; expiresAt: string; expiresInSec: number };

async function mint(index: number, body?: unknown): Promise<Minted> {
  const response = await call(
    harness.belay,
    "POST",
    `${recordingPath(index)}/Links`,
    body === undefined ? {} : { body },
  );
  assert.equal(response.status, 201, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  const minted = response.json<Minted>();
  assert.deepEqual(Object.keys(minted).sort(), ["expiresAt", "expiresInSec", "url"]);
  return minted;
}

/** The link as the route receives it: the public base URL stripped, no credentials at all. */
function open(url: string, headers: Record<string, string> = {}): Promise<Injected> {
  assert.ok(url.startsWith(`${PUBLIC_URL}/`), url);
  return call(harness.belay, "GET", url.slice(PUBLIC_URL.length), { authorization: null, headers });
}

test("minting: 201 with an absolute URL on the public base, the expiry in RFC 1123, default an hour", async () => {
  const now = clock.now();
  for (const minted of [await mint(0, {}), await mint(0)]) {
    assert.equal(minted.expiresInSec, 3600);
    assert.match(
      minted.url,
      /^https:\/\/recordings\.belay\.test:8443\/belay\/v1\/recording-links\/AC[0-9a-f]{40}\/RE[0-9a-f]{40}\.wav\?expires=\d+&signature=[0-9a-f]{64}$/,
    );
    const expiresAt = parseRfc1123(minted.expiresAt);
    assert.equal(expiresAt, Math.ceil(now / 1000) * 1000 + 3600_000);
    assert.equal(new URL(minted.url).searchParams.get("expires"), String((expiresAt as number) / 1000));
  }
  const week = await mint(0, { expiresInSec: 604_800 });
  assert.equal(week.expiresInSec, 604_800);
  assert.equal(parseRfc1123(week.expiresAt), Math.ceil(now / 1000) * 1000 + 604_800_000);
  assert.equal((await mint(0, { expiresInSec: 1 })).expiresInSec, 1);
});

test("the link downloads the WAV with no credentials, ranges included", async () => {
  const { url } = await mint(0);
  const response = await open(url);
  assert.equal(response.status, 200, response.body);
  assert.equal(response.headers["content-type"], "audio/wav");
  assert.equal(response.headers["accept-ranges"], "bytes");
  assert.match(
    String(response.headers["content-disposition"]),
    new RegExp(`^attachment; filename="${recordingIds[0]}\\.wav"$`),
  );
  assert.deepEqual(response.rawPayload, wav);
  const part = await open(url, { range: "bytes=10-99" });
  assert.equal(part.status, 206);
  assert.deepEqual(part.rawPayload, wav.subarray(10, 100));
  assert.equal(part.headers["content-range"], `bytes 10-99/${wav.length}`);
  // Credentials are neither needed nor looked at.
  const withBadAuth = await call(harness.belay, "GET", url.slice(PUBLIC_URL.length), {
    authorization: "Basic !!!",
  });
  assert.equal(withBadAuth.status, 200);
});

test("a link works until its expiry, to the millisecond, then 403", async () => {
  const minted = await mint(1, { expiresInSec: 60 });
  const deadline = parseRfc1123(minted.expiresAt) as number;
  await clock.sleep(deadline - 1 - clock.now());
  assert.equal((await open(minted.url)).status, 200);
  await clock.sleep(1);
  const error = assertApiError(await open(minted.url), 403, { code: 3 });
  assert.match(error.message, new RegExp(`expired at ${minted.expiresAt}`));
});

test("a tampered or malformed link: 403 with the error body, whether the recording exists or not", async () => {
  const { url } = await mint(0);
  const good = new URL(url);
  const signature = good.searchParams.get("signature") as string;
  const expires = good.searchParams.get("expires") as string;
  const flipped = (signature[0] === "a" ? "b" : "a") + signature.slice(1);
  const at = (path: string, query: string) => `${PUBLIC_URL}${path}?${query}`;
  const badLinks = [
    at(good.pathname, `expires=${expires}&signature=${flipped}`),
    at(good.pathname, `expires=${Number(expires) + 3600}&signature=${signature}`),
    at(good.pathname.replace(recordingIds[0] as string, recordingIds[1] as string), good.search.slice(1)),
    at(good.pathname.replace(recordingIds[0] as string, newId("RE")), good.search.slice(1)),
    at(good.pathname.replace(harness.belay.account.accountId, other.accountId), good.search.slice(1)),
    at(good.pathname.replace(harness.belay.account.accountId, newId("AC")), good.search.slice(1)),
    at(good.pathname, `expires=${expires}`),
    at(good.pathname, `signature=${signature}`),
    at(good.pathname, `${good.search.slice(1)}&download=1`),
    at(good.pathname, `expires=${expires}&expires=${expires}&signature=${signature}`),
    at(good.pathname, `expires=${expires}&signature=${signature.toUpperCase()}`),
    at(good.pathname, `expires=${expires}&signature=${signature.slice(1)}`),
    at(good.pathname.replace(".wav", ""), good.search.slice(1)),
    at(good.pathname.replace("AC", "ac"), good.search.slice(1)),
    at(good.pathname, ""),
  ];
  for (const bad of badLinks) {
    const response = await open(bad);
    assertApiError(response, 403, { code: 3 });
    assert.equal(response.headers["content-type"]?.toString().startsWith("application/json"), true);
  }
});

test("a good link to a deleted recording: 404 code 68", async () => {
  const { url } = await mint(2);
  assert.equal((await call(harness.belay, "DELETE", recordingPath(2))).status, 204);
  assertApiError(await open(url), 404, { code: 68 });
});

test("minting errors: expiresInSec out of 1..604800 or not an integer: 400 naming it", async () => {
  for (const expiresInSec of [0, -1, 604_801, 1.5, "60", null, true]) {
    const response = await call(harness.belay, "POST", `${recordingPath(0)}/Links`, {
      body: { expiresInSec },
    });
    const error = assertApiError(response, 400, { code: 20 });
    assert.equal(error.details.field, "expiresInSec", JSON.stringify(expiresInSec));
  }
  // Unknown fields are ignored, as everywhere in the API: the default hour applies.
  assert.equal((await mint(0, { expiresIn: 60 })).expiresInSec, 3600);
  const notObject = await call(harness.belay, "POST", `${recordingPath(0)}/Links`, { body: [60] });
  assertApiError(notObject, 400);
});

test("minting errors: bad id 400, unknown or deleted recording 404 code 68, 401, 403", async () => {
  const bad = await call(harness.belay, "POST", `${recordingPath(0, "RE123")}/Links`, { body: {} });
  assert.equal(assertApiError(bad, 400).details.field, "recordingId");
  assertApiError(
    await call(harness.belay, "POST", `${recordingPath(0, newId("RE"))}/Links`, { body: {} }),
    404,
    { code: 68 },
  );
  assertApiError(await call(harness.belay, "POST", `${recordingPath(2)}/Links`, { body: {} }), 404, {
    code: 68,
  });
  const anonymous = await call(harness.belay, "POST", `${recordingPath(0)}/Links`, {
    body: {},
    authorization: null,
  });
  assertApiError(anonymous, 401);
  assert.equal(anonymous.headers["www-authenticate"], 'Basic realm="Belay"');
  const wrongKey = basicAuth(harness.belay.account.accountId, newApiKey());
  assertApiError(
    await call(harness.belay, "POST", `${recordingPath(0)}/Links`, { body: {}, authorization: wrongKey }),
    401,
  );
  const foreign = basicAuth(other.accountId, other.apiKey);
  assertApiError(
    await call(harness.belay, "POST", `${recordingPath(0)}/Links`, { body: {}, authorization: foreign }),
    403,
  );
  const theirPath = `/apiserver/Accounts/${other.accountId}/Recordings/${recordingIds[0]}/Links`;
  assertApiError(await call(harness.belay, "POST", theirPath, { body: {}, authorization: foreign }), 404, {
    code: 68,
  });
});

test("rotating the account's API key revokes its links; the old key's links work again only with it", async () => {
  const { url } = await mint(0);
  const { accountId, apiKey } = harness.belay.account;
  await harness.belay.store.accounts.update(accountId, { apiKey: newApiKey() });
  try {
    assertApiError(await open(url), 403, { code: 3 });
  } finally {
    await harness.belay.store.accounts.update(accountId, { apiKey });
  }
  assert.equal((await open(url)).status, 200);
});
