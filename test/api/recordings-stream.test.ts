import assert from "node:assert/strict";
import { unlink } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { readWav } from "../../src/media/wav-read.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { assertApiError, call, get, recordingRoutes, seedCall } from "./helpers.js";

/** Stream and Download: the WAV whole, or one Range of it (RFC 7233), byte for byte. */

let harness: TestBelay;
let app: ScriptedApp;
let base: string;
let wav: Buffer;
let size: number;

before(async () => {
  harness = await startBelay({ listen: true });
  app = await startScriptedApp(recordingRoutes(2));
  const { recordingIds } = await seedCall(harness.belay, app);
  assert.equal(recordingIds.length, 2);
  base = `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${recordingIds[0]}`;
  const download = await get(harness.belay, `${base}/Download`);
  assert.equal(download.status, 200);
  wav = download.rawPayload;
  size = wav.length;
  assert.ok(size > 1000, `a recording of ${size} bytes is long enough to cut ranges from`);
  assert.equal(readWav(wav).pcm8k.length * 2 + 44, size);
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

const ranged = (url: string, range: string, headers: Record<string, string> = {}) =>
  call(harness.belay, "GET", url, { headers: { range, ...headers } });

test("Stream sends the same WAV as Download, inline, and both advertise byte ranges", async () => {
  const stream = await get(harness.belay, `${base}/Stream`);
  assert.equal(stream.status, 200);
  assert.equal(stream.headers["content-type"], "audio/wav");
  assert.equal(stream.headers["accept-ranges"], "bytes");
  assert.equal(Number(stream.headers["content-length"]), size);
  assert.match(String(stream.headers["content-disposition"]), /^inline; filename="RE[0-9a-f]{40}\.wav"$/);
  assert.deepEqual(stream.rawPayload, wav);
  const download = await get(harness.belay, `${base}/Download`);
  assert.equal(download.headers["accept-ranges"], "bytes");
  assert.match(String(download.headers["content-disposition"]), /^attachment; /);
  assert.equal(download.headers.etag, stream.headers.etag);
});

test("one range: 206 with Content-Range and exactly those bytes, on Stream and Download", async () => {
  const cases: Array<[string, number, number]> = [
    ["bytes=0-0", 0, 0],
    ["bytes=0-43", 0, 43],
    ["bytes=44-1043", 44, 1043],
    ["bytes=100-", 100, size - 1],
    [`bytes=${size - 1}-`, size - 1, size - 1],
    ["bytes=-10", size - 10, size - 1],
    [`bytes=-${size}`, 0, size - 1],
    [`bytes=-${size + 500}`, 0, size - 1],
    [`bytes=10-${size + 500}`, 10, size - 1],
    [" bytes = 7-9 ", 7, 9],
  ];
  for (const route of ["Stream", "Download"]) {
    for (const [range, start, end] of cases) {
      const response = await ranged(`${base}/${route}`, range);
      assert.equal(response.status, 206, `${route} ${range}: ${response.body.slice(0, 200)}`);
      assert.equal(response.headers["content-range"], `bytes ${start}-${end}/${size}`, range);
      assert.equal(Number(response.headers["content-length"]), end - start + 1, range);
      assert.equal(response.headers["content-type"], "audio/wav");
      assert.equal(response.headers["accept-ranges"], "bytes");
      assert.deepEqual(response.rawPayload, wav.subarray(start, end + 1), `${route} ${range}`);
    }
  }
});

test("ranges that cover the file piece by piece reassemble it", async () => {
  const pieces: Buffer[] = [];
  const step = Math.ceil(size / 7);
  for (let start = 0; start < size; start += step) {
    const response = await ranged(`${base}/Stream`, `bytes=${start}-${start + step - 1}`);
    assert.equal(response.status, 206);
    pieces.push(response.rawPayload);
  }
  assert.deepEqual(Buffer.concat(pieces), wav);
});

test("a range past the end: 416 with Content-Range bytes */size and the error body", async () => {
  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, "bytes=-0"]) {
    for (const route of ["Stream", "Download"]) {
      const response = await ranged(`${base}/${route}`, range);
      const error = assertApiError(response, 416, { code: 22 });
      assert.equal(response.headers["content-range"], `bytes */${size}`, range);
      assert.equal(response.headers["content-disposition"], undefined, "an error body is not the WAV");
      assert.match(error.message, new RegExp(`${size} bytes`));
    }
  }
});

test("several ranges, another unit or a malformed header: the whole file, 200", async () => {
  for (const range of [
    "bytes=0-1,5-6",
    "bytes=0-1, -5",
    "items=0-1",
    "bytes=5-2",
    "bytes=abc",
    "bytes=1-2-3",
    "bytes=",
    "bytes=--1",
    "bytes=0x10-20",
    `bytes=${"9".repeat(30)}-`,
  ]) {
    const response = await ranged(`${base}/Stream`, range);
    assert.equal(response.status, 200, range);
    assert.equal(response.headers["content-range"], undefined, range);
    assert.deepEqual(response.rawPayload, wav, range);
  }
});

test("If-Range: the range applies only to this recording's ETag", async () => {
  const etag = String((await get(harness.belay, `${base}/Stream`)).headers.etag);
  assert.match(etag, /^"RE[0-9a-f]{40}-\d+"$/);
  const same = await ranged(`${base}/Stream`, "bytes=0-9", { "if-range": etag });
  assert.equal(same.status, 206);
  assert.deepEqual(same.rawPayload, wav.subarray(0, 10));
  for (const other of ['"something-else"', "Tue, 01 Dec 2026 06:00:00 GMT", `W/${etag}`]) {
    const response = await ranged(`${base}/Stream`, "bytes=0-9", { "if-range": other });
    assert.equal(response.status, 200, other);
    assert.deepEqual(response.rawPayload, wav);
  }
});

test("over a real socket: a ranged fetch gets the bytes and the headers", async () => {
  const response = await fetch(`${harness.belay.publicUrl()}${base}/Stream`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${harness.belay.account.accountId}:${harness.belay.account.apiKey}`).toString("base64")}`,
      range: "bytes=40-",
    },
  });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), `bytes 40-${size - 1}/${size}`);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), wav.subarray(40));
});

test("HEAD gives the headers of the GET and no body", async () => {
  const response = await harness.belay.api.inject({
    method: "HEAD",
    url: `${base}/Stream`,
    headers: {
      authorization: `Basic ${Buffer.from(`${harness.belay.account.accountId}:${harness.belay.account.apiKey}`).toString("base64")}`,
    },
  });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers["accept-ranges"], "bytes");
  assert.equal(Number(response.headers["content-length"]), size);
  assert.equal(response.rawPayload.length, 0);
});

test("errors: malformed id 400, unknown id 404 code 68, no or wrong credentials 401", async () => {
  const { accountId, apiKey } = harness.belay.account;
  for (const bad of ["RE123", `CA${"0".repeat(40)}`, `RE${"A".repeat(40)}`]) {
    const error = assertApiError(
      await get(harness.belay, `/apiserver/Accounts/${accountId}/Recordings/${bad}/Stream`),
      400,
    );
    assert.equal(error.details.field, "recordingId");
  }
  const unknown = `/apiserver/Accounts/${accountId}/Recordings/${newId("RE")}/Stream`;
  assertApiError(await ranged(unknown, "bytes=0-1"), 404, { code: 68, url: unknown });
  for (const authorization of [null, `Basic ${Buffer.from(`${accountId}:${apiKey}x`).toString("base64")}`]) {
    const response = await get(harness.belay, `${base}/Stream`, authorization);
    assertApiError(response, 401);
    assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"');
  }
});

test("live metadata whose file has vanished: 404 code 68, not a server error", async () => {
  const { recordingIds } = await seedCall(harness.belay, app);
  const id = recordingIds[0] as string;
  const row = await harness.belay.store.recordings.get(harness.belay.account.accountId, id);
  assert.ok(row);
  await unlink(path.join(harness.dataDir, "blobs", ...row.blobKey.split("/")));
  const url = `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${id}`;
  for (const route of ["Stream", "Download"]) {
    assertApiError(await get(harness.belay, `${url}/${route}`), 404, { code: 68 });
    assertApiError(await ranged(`${url}/${route}`, "bytes=0-5"), 404, { code: 68 });
  }
});
