import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { basicAuth, createAccount, pcmToBase64, startBelay, type TestBelay } from "../e2e/harness.js";
import { assertApiError, call, get } from "./helpers.js";

/** POST/GET/DELETE /belay/v1/devices: the virtual callees an account's outbound calls reach. */

let harness: TestBelay;
const NUMBER = "+15550007777";

before(async () => {
  harness = await startBelay({ listen: false });
});
after(() => harness?.stop());

const voice = Int16Array.from({ length: 1600 }, (_, i) => ((i * 37) % 2000) - 1000);

async function add(body: Record<string, unknown>) {
  return call(harness.belay, "POST", "/belay/v1/devices", { body });
}

test("add a device with a voice, keys and a hang-up; get, list, remove it", async () => {
  const created = await add({
    phoneNumber: NUMBER,
    audio: pcmToBase64(voice),
    audioAtMs: 500,
    dtmf: [{ keys: "12#", atMs: 3000 }],
    hangupAtMs: 9000,
    answerAfterMs: 2000,
  });
  assert.equal(created.status, 201, created.body);
  const device = created.json();
  assert.deepEqual(
    { ...device, dateCreated: undefined, dateUpdated: undefined },
    {
      uri: `/belay/v1/devices/${encodeURIComponent(NUMBER)}`,
      accountId: harness.belay.account.accountId,
      phoneNumber: NUMBER,
      mode: "answer",
      answerAfterMs: 2000,
      audioDurationMs: 200,
      audioAtMs: 500,
      dtmf: [{ keys: "12#", atMs: 3000 }],
      hangupAtMs: 9000,
      dateCreated: undefined,
      dateUpdated: undefined,
      revision: 1,
    },
  );
  // The voice is in the blob store, not in the database row.
  const row = await harness.belay.store.devices.get(harness.belay.account.accountId, NUMBER);
  assert.ok(row?.audioBlobKey);
  assert.equal((await harness.belay.engine.deps.blobs.stat(row.audioBlobKey))?.size, voice.length * 2);

  for (const path of [NUMBER, encodeURIComponent(NUMBER)]) {
    const got = await get(harness.belay, `/belay/v1/devices/${path}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json(), device);
  }
  const list = await get(harness.belay, "/belay/v1/devices");
  assert.equal(list.status, 200);
  assert.equal(list.json().total, 1);
  assert.deepEqual(list.json<{ devices: unknown[] }>().devices, [device]);

  const removed = await call(harness.belay, "DELETE", `/belay/v1/devices/${NUMBER}`);
  assert.equal(removed.status, 204);
  assert.equal(removed.body, "");
  assert.equal(
    await harness.belay.engine.deps.blobs.stat(row.audioBlobKey),
    undefined,
    "its audio is gone too",
  );
  assertApiError(await get(harness.belay, `/belay/v1/devices/${NUMBER}`), 404, { code: 71 });
  assertApiError(await call(harness.belay, "DELETE", `/belay/v1/devices/${NUMBER}`), 404, { code: 71 });
});

test("defaults: answers after 1 s of ringing, silent, never hangs up", async () => {
  const created = await add({ phoneNumber: "+15550007778" });
  assert.equal(created.status, 201, created.body);
  const device = created.json();
  assert.deepEqual(
    [device.mode, device.answerAfterMs, device.audioDurationMs, device.dtmf, device.hangupAtMs],
    ["answer", 1000, 0, [], null],
  );
  assert.equal((await add({ phoneNumber: "+15550007779", mode: "busy" })).json().mode, "busy");
  assert.equal((await add({ phoneNumber: "+15550007780", mode: "noAnswer" })).json().mode, "noAnswer");
});

test("a number already a device of the account: 409", async () => {
  assert.equal((await add({ phoneNumber: "+15550007781" })).status, 201);
  const error = assertApiError(await add({ phoneNumber: "+15550007781", mode: "busy" }), 409, {
    code: 9,
    messageMatches: /\+15550007781 is already a device/,
  });
  assert.equal(error.details.field, "phoneNumber");
});

test("devices are per account: another account neither sees nor removes them, and may add the same number", async () => {
  const other = { accountId: newId("AC"), apiKey: "other-key", signingSecret: "sigsec_other", alias: null };
  await harness.belay.store.accounts.create(other);
  const authorization = basicAuth(other.accountId, other.apiKey);
  assert.equal((await add({ phoneNumber: "+15550007782" })).status, 201);
  assertApiError(await get(harness.belay, "/belay/v1/devices/+15550007782", authorization), 404, {
    code: 71,
  });
  assertApiError(
    await call(harness.belay, "DELETE", "/belay/v1/devices/+15550007782", { authorization }),
    404,
  );
  const list = await get(harness.belay, "/belay/v1/devices", authorization);
  assert.equal(list.json().total, 0);
  const mine = await call(harness.belay, "POST", "/belay/v1/devices", {
    body: { phoneNumber: "+15550007782", mode: "busy" },
    authorization,
  });
  assert.equal(mine.status, 201);
});

test("invalid devices: 400 naming the field", async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ phoneNumber: "5550007777" }, "phoneNumber"],
    [{}, "phoneNumber"],
    [{ phoneNumber: NUMBER, mode: "maybe" }, "mode"],
    [{ phoneNumber: NUMBER, answerAfterMs: -1 }, "answerAfterMs"],
    [{ phoneNumber: NUMBER, answerAfterMs: 1.5 }, "answerAfterMs"],
    [{ phoneNumber: NUMBER, audio: "AA==" }, "audio"],
    [{ phoneNumber: NUMBER, audio: "not base64!" }, "audio"],
    [{ phoneNumber: NUMBER, dtmf: [{ keys: "x", atMs: 0 }] }, "dtmf.0.keys"],
    [{ phoneNumber: NUMBER, hangupAtMs: "soon" }, "hangupAtMs"],
  ];
  for (const [body, field] of cases) {
    const error = assertApiError(await add(body), 400, { code: 20 });
    assert.equal(error.details.field, field, JSON.stringify(body));
    assert.match(error.message, new RegExp(`^"${field.replaceAll(".", "\\.")}"`));
  }
  assertApiError(await get(harness.belay, "/belay/v1/devices/not-a-number"), 400);
  assertApiError(await get(harness.belay, "/belay/v1/devices", null), 401);
});

test("update a device in place: what the body names changes, the rest stays", async () => {
  const number = "+15550007790";
  const created = await add({
    phoneNumber: number,
    audio: pcmToBase64(voice),
    dtmf: [{ keys: "1", atMs: 0 }],
  });
  assert.equal(created.status, 201, created.body);
  const oldKey = (await harness.belay.store.devices.get(harness.belay.account.accountId, number))
    ?.audioBlobKey;
  assert.ok(oldKey);

  const update = (body: unknown) =>
    call(harness.belay, "POST", `/belay/v1/devices/${encodeURIComponent(number)}`, { body });
  const changed = await update({ mode: "busy", hangupAtMs: 4000, answerAfterMs: 250 });
  assert.equal(changed.status, 200, changed.body);
  const device = changed.json();
  assert.deepEqual(
    [
      device.mode,
      device.hangupAtMs,
      device.answerAfterMs,
      device.dtmf,
      device.audioDurationMs,
      device.revision,
    ],
    ["busy", 4000, 250, [{ keys: "1", atMs: 0 }], 200, 2],
  );
  assert.deepEqual((await get(harness.belay, `/belay/v1/devices/${number}`)).json(), device);

  // A new voice replaces the old one in the blob store; null clears the hang-up.
  const longer = Int16Array.from({ length: 4000 }, (_, i) => (i % 50) * 10);
  const revoiced = await update({ audio: pcmToBase64(longer), hangupAtMs: null });
  assert.equal(revoiced.status, 200, revoiced.body);
  assert.deepEqual([revoiced.json().audioDurationMs, revoiced.json().hangupAtMs], [500, null]);
  const row = await harness.belay.store.devices.get(harness.belay.account.accountId, number);
  assert.ok(row?.audioBlobKey && row.audioBlobKey !== oldKey);
  assert.equal((await harness.belay.engine.deps.blobs.stat(row.audioBlobKey))?.size, longer.length * 2);
  assert.equal(await harness.belay.engine.deps.blobs.stat(oldKey), undefined, "the old voice is gone");
  // An empty voice removes it.
  const silent = await update({ audio: "" });
  assert.equal(silent.json().audioDurationMs, 0);
  assert.equal(await harness.belay.engine.deps.blobs.stat(row.audioBlobKey), undefined);

  // A bodiless POST changes nothing but is valid, as FreeClimb's updates are.
  const bodiless = await call(harness.belay, "POST", `/belay/v1/devices/${number}`);
  assert.equal(bodiless.status, 200, bodiless.body);
  assert.equal(bodiless.json().mode, "busy");
});

test("updating: 404 for a number that is not a device of this account, another's included", async () => {
  const other = await createAccount(harness.belay, "updater");
  const authorization = basicAuth(other.accountId, other.apiKey);
  assert.equal((await add({ phoneNumber: "+15550007791", mode: "busy" })).status, 201);
  assertApiError(
    await call(harness.belay, "POST", "/belay/v1/devices/+15550007791", {
      body: { mode: "answer" },
      authorization,
    }),
    404,
    { code: 71 },
  );
  assert.equal((await get(harness.belay, "/belay/v1/devices/+15550007791")).json().mode, "busy", "unchanged");
  assertApiError(
    await call(harness.belay, "POST", "/belay/v1/devices/+15550007799", { body: { mode: "answer" } }),
    404,
    { code: 71 },
  );
  assertApiError(
    await call(harness.belay, "POST", "/belay/v1/devices/+15550007791", { body: {}, authorization: null }),
    401,
  );
});

test("invalid updates: 400 naming the field, the device unchanged", async () => {
  const number = "+15550007792";
  assert.equal((await add({ phoneNumber: number })).status, 201);
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ mode: "maybe" }, "mode"],
    [{ answerAfterMs: -1 }, "answerAfterMs"],
    [{ answerAfterMs: 1.5 }, "answerAfterMs"],
    [{ audio: "AA==" }, "audio"],
    [{ audio: "not base64!" }, "audio"],
    [{ dtmf: [{ keys: "x", atMs: 0 }] }, "dtmf.0.keys"],
    [{ hangupAtMs: "soon" }, "hangupAtMs"],
  ];
  for (const [body, field] of cases) {
    const error = assertApiError(
      await call(harness.belay, "POST", `/belay/v1/devices/${number}`, { body }),
      400,
      {
        code: 20,
      },
    );
    assert.equal(error.details.field, field, JSON.stringify(body));
  }
  // The number is the device's id: a body trying to change it is refused, not ignored.
  const renamed = await call(harness.belay, "POST", `/belay/v1/devices/${number}`, {
    body: { phoneNumber: "+15550007793" },
  });
  assertApiError(renamed, 400, { code: 20, messageMatches: /phoneNumber/ });
  assertApiError(await call(harness.belay, "POST", "/belay/v1/devices/not-a-number", { body: {} }), 400);
  const device = (await get(harness.belay, `/belay/v1/devices/${number}`)).json();
  assert.deepEqual([device.mode, device.answerAfterMs, device.revision], ["answer", 1000, 1]);
});
