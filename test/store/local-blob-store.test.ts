import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { LocalBlobStore } from "../../src/store/local-blob-store.js";
import { tempDir } from "./helpers.js";

const KEY = `recordings/AC${"1".repeat(40)}/RE${"2".repeat(40)}.wav`;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Deterministic bytes: position i holds i mod 251, so any misplaced byte shows. */
function pattern(start: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (start + i) % 251;
  return bytes;
}

const isInvalidKey = (err: unknown) => isBelayError(err, "BLOB_KEY_INVALID");

describe("LocalBlobStore", () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let blobs: LocalBlobStore;
  beforeEach(async () => {
    temp = await tempDir("belay-blobs-");
    blobs = new LocalBlobStore(join(temp.dir, "blobs"));
  });
  afterEach(() => temp.remove());

  test("streams frames, patches the header, finishes, reads whole and ranged", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(new Uint8Array(44)); // placeholder header
    let written = 44;
    for (let frame = 0; frame < 500; frame++) {
      await writer.write(pattern(written, 320)); // 20 ms of 8 kHz 16-bit audio
      written += 320;
    }
    await writer.write(pattern(written, 100_000)); // one chunk larger than the write buffer
    written += 100_000;
    const header = pattern(1000, 44);
    await writer.writeAt(0, header);
    const { size } = await writer.finish();
    assert.equal(size, written);

    const expected = Buffer.concat([header, pattern(44, written - 44)]);
    assert.deepEqual(await blobs.stat(KEY), { size: written });
    assert.deepEqual(await readFile(join(blobs.root, KEY)), expected);
    assert.deepEqual(await collect(await blobs.read(KEY)), expected);
    assert.deepEqual(await collect(await blobs.read(KEY, { start: 40, end: 50 })), expected.subarray(40, 51));
    assert.deepEqual(await collect(await blobs.read(KEY, { start: 7, end: 7 })), expected.subarray(7, 8));
    // An end past the blob is clamped to its last byte.
    assert.deepEqual(
      await collect(await blobs.read(KEY, { start: written - 3, end: written + 1000 })),
      expected.subarray(written - 3),
    );
  });

  test("writeAt reaches bytes already flushed and bytes still buffered alike", async () => {
    const writer = await blobs.create(KEY);
    const total = 80_000; // spans two flushes plus a buffered tail
    for (let at = 0; at < total; at += 1000) await writer.write(pattern(at, 1000));
    const patches: Array<[number, number]> = [
      [0, 44],
      [32_760, 16], // straddles the first flush boundary
      [70_000, 500],
      [total - 10, 10],
    ];
    const expected = Buffer.from(pattern(0, total));
    for (const [position, length] of patches) {
      const bytes = new Uint8Array(length).fill(0xee);
      await writer.writeAt(position, bytes);
      expected.fill(0xee, position, position + length);
    }
    assert.deepEqual(await writer.finish(), { size: total });
    assert.deepEqual(await collect(await blobs.read(KEY)), expected);
  });

  test("operations issued without awaiting run in order", async () => {
    const writer = await blobs.create(KEY);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) pending.push(writer.write(pattern(i * 300, 300)));
    pending.push(writer.writeAt(0, new Uint8Array([9, 9, 9, 9])));
    const finished = writer.finish();
    await Promise.all(pending);
    assert.deepEqual(await finished, { size: 60_000 });
    const expected = Buffer.from(pattern(0, 60_000));
    expected.fill(9, 0, 4);
    assert.deepEqual(await collect(await blobs.read(KEY)), expected);
  });

  test("writeAt past what was written is refused and leaves the writer usable", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 10));
    await assert.rejects(writer.writeAt(8, new Uint8Array(3)), (err) =>
      isBelayError(err, "BLOB_WRITE_RANGE"),
    );
    await assert.rejects(writer.writeAt(-1, new Uint8Array(1)), (err) =>
      isBelayError(err, "BLOB_WRITE_RANGE"),
    );
    await writer.writeAt(7, new Uint8Array(3));
    assert.deepEqual(await writer.finish(), { size: 10 });
  });

  test("a blob is invisible until finished", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 50_000));
    assert.equal(await blobs.stat(KEY), undefined);
    await assert.rejects(blobs.read(KEY), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
    await writer.finish();
    assert.deepEqual(await blobs.stat(KEY), { size: 50_000 });
  });

  test("abort removes the partial file and the blob never appears", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 40_000));
    const folder = join(blobs.root, "recordings", `AC${"1".repeat(40)}`);
    assert.deepEqual(await readdir(folder), [`RE${"2".repeat(40)}.wav.partial`]);
    await writer.abort();
    await writer.abort(); // idempotent
    assert.deepEqual(await readdir(folder), []);
    assert.equal(await blobs.stat(KEY), undefined);
    await assert.rejects(writer.write(pattern(0, 1)), (err) => isBelayError(err, "BLOB_WRITER_CLOSED"));
    await assert.rejects(writer.finish(), (err) => isBelayError(err, "BLOB_WRITER_CLOSED"));
    // The key can be written afresh.
    const again = await blobs.create(KEY);
    await again.write(pattern(0, 3));
    assert.deepEqual(await again.finish(), { size: 3 });
  });

  test("after finish the writer is closed and abort keeps the blob", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 5));
    await writer.finish();
    await assert.rejects(writer.write(pattern(0, 1)), (err) => isBelayError(err, "BLOB_WRITER_CLOSED"));
    await writer.abort();
    assert.deepEqual(await blobs.stat(KEY), { size: 5 });
  });

  test("a second writer for a key being written is BLOB_BUSY", async () => {
    const writer = await blobs.create(KEY);
    await assert.rejects(blobs.create(KEY), (err) => isBelayError(err, "BLOB_BUSY"));
    await writer.abort();
  });

  test("a folder removed behind the store's back is made again", async () => {
    const first = await blobs.create("recordings/AC1/one.wav");
    await first.write(new Uint8Array([1]));
    await first.finish();
    await rm(join(temp.dir, "blobs", "recordings"), { recursive: true });
    const second = await blobs.create("recordings/AC1/two.wav");
    await second.write(new Uint8Array([2, 3]));
    await second.finish();
    assert.deepEqual(await blobs.stat("recordings/AC1/two.wav"), { size: 2 });
  });

  test("an empty blob is allowed", async () => {
    const writer = await blobs.create("empty.wav");
    assert.deepEqual(await writer.finish(), { size: 0 });
    assert.deepEqual(await blobs.stat("empty.wav"), { size: 0 });
    assert.deepEqual(await collect(await blobs.read("empty.wav")), Buffer.alloc(0));
  });

  test("invalid ranges are BLOB_RANGE_INVALID", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 100));
    await writer.finish();
    for (const range of [
      { start: 100, end: 120 },
      { start: 10, end: 5 },
      { start: -1, end: 5 },
      { start: 0.5, end: 5 },
    ]) {
      await assert.rejects(blobs.read(KEY, range), (err) => isBelayError(err, "BLOB_RANGE_INVALID"));
    }
  });

  test("missing blobs: stat undefined, read BLOB_NOT_FOUND, delete false", async () => {
    assert.equal(await blobs.stat(KEY), undefined);
    await assert.rejects(blobs.read(KEY), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
    await assert.rejects(blobs.read(KEY, { start: 0, end: 1 }), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
    assert.equal(await blobs.delete(KEY), false);
    // A folder is not a blob.
    await mkdir(join(blobs.root, "recordings"), { recursive: true });
    assert.equal(await blobs.stat("recordings"), undefined);
    await assert.rejects(blobs.read("recordings"), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
    assert.equal(await blobs.delete("recordings"), false);
  });

  test("delete removes a finished blob once", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 10));
    await writer.finish();
    assert.equal(await blobs.delete(KEY), true);
    assert.equal(await blobs.delete(KEY), false);
    assert.equal(await blobs.stat(KEY), undefined);
    await assert.rejects(blobs.read(KEY), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
  });

  test("keys that could leave the root, or are malformed, are refused by every method", async () => {
    const bad = [
      "../x",
      "a/../../b",
      "/etc/passwd",
      "a//b",
      "a/./b",
      "./a",
      "a/",
      "",
      ".",
      "..",
      "a\0b",
      "a\\..\\b",
      "a b",
      "récording.wav",
      "x.wav.partial",
      "a".repeat(513),
      `${"a/".repeat(256)}b`, // 513 characters
      "a".repeat(201), // one segment too long for a file name
    ];
    for (const key of bad) {
      await assert.rejects(blobs.create(key), isInvalidKey, `create ${JSON.stringify(key)}`);
      await assert.rejects(blobs.stat(key), isInvalidKey, `stat ${JSON.stringify(key)}`);
      await assert.rejects(blobs.read(key), isInvalidKey, `read ${JSON.stringify(key)}`);
      await assert.rejects(blobs.delete(key), isInvalidKey, `delete ${JSON.stringify(key)}`);
    }
    // Nothing was created anywhere, inside the root or next to it.
    assert.deepEqual(await readdir(temp.dir), []);
  });

  test("keys of allowed characters up to 512 long are accepted", async () => {
    const longest = `${"a".repeat(200)}/${"b".repeat(200)}/${"c".repeat(110)}`;
    assert.equal(longest.length, 512);
    for (const key of ["a", "A-b_c.9", `${"d/".repeat(100)}x.wav`, "..a/b..", "a".repeat(200), longest]) {
      const writer = await blobs.create(key);
      await writer.write(new Uint8Array([1]));
      assert.deepEqual(await writer.finish(), { size: 1 }, key);
      assert.equal(await blobs.delete(key), true, key);
    }
  });

  test("open: the size first, then the exact bytes of one range, streamed in chunks", async () => {
    const size = 300_000;
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, size));
    await writer.finish();
    const expected = Buffer.from(pattern(0, size));
    for (const [start, end] of [
      [0, 0],
      [0, 43],
      [44, 1043],
      [size - 1, size - 1],
      [1, size - 2],
      [0, size - 1],
    ] as const) {
      const reader = await blobs.open(KEY);
      assert.equal(reader.size, size);
      const chunks: Buffer[] = [];
      for await (const chunk of reader.stream({ start, end })) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), expected.subarray(start, end + 1), `${start}-${end}`);
      // Streamed, never read whole: no chunk is larger than the stream's buffer.
      for (const chunk of chunks) assert.ok(chunk.length <= 64 * 1024, `${chunk.length}-byte chunk`);
    }
    const whole = await blobs.open(KEY);
    assert.deepEqual(await collect(whole.stream()), expected);
  });

  test("open: a range outside the blob is BLOB_RANGE_INVALID and the reader stays usable", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 100));
    await writer.finish();
    const reader = await blobs.open(KEY);
    for (const range of [
      { start: 0, end: 100 },
      { start: 100, end: 100 },
      { start: 10, end: 5 },
      { start: -1, end: 5 },
      { start: 0.5, end: 5 },
    ]) {
      assert.throws(
        () => reader.stream(range),
        (err) => isBelayError(err, "BLOB_RANGE_INVALID"),
      );
    }
    assert.deepEqual(await collect(reader.stream({ start: 99, end: 99 })), Buffer.from([99 % 251]));
  });

  test("open: a reader streams once; close releases it without streaming", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 10));
    await writer.finish();
    const streamed = await blobs.open(KEY);
    await collect(streamed.stream());
    assert.throws(
      () => streamed.stream(),
      (err) => isBelayError(err, "BLOB_READER_USED"),
    );
    const closed = await blobs.open(KEY);
    await closed.close();
    await closed.close();
    assert.throws(
      () => closed.stream(),
      (err) => isBelayError(err, "BLOB_READER_USED"),
    );
  });

  test("open: a blob deleted after opening still streams what was opened", async () => {
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 5000));
    await writer.finish();
    const reader = await blobs.open(KEY);
    assert.equal(await blobs.delete(KEY), true);
    assert.deepEqual(
      await collect(reader.stream({ start: 1000, end: 1999 })),
      Buffer.from(pattern(1000, 1000)),
    );
    await assert.rejects(blobs.open(KEY), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
  });

  test("open: missing blobs and folders are BLOB_NOT_FOUND; bad keys BLOB_KEY_INVALID", async () => {
    await assert.rejects(blobs.open(KEY), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
    await mkdir(join(blobs.root, "recordings"), { recursive: true });
    await assert.rejects(blobs.open("recordings"), (err) => isBelayError(err, "BLOB_NOT_FOUND"));
    for (const bad of ["../x", "/etc/passwd", "a//b", `${KEY}.partial`]) {
      await assert.rejects(blobs.open(bad), isInvalidKey, bad);
    }
  });

  test("unfinished blobs: listed by key, inspected, completed in place or deleted", async () => {
    const other = `recordings/AC${"1".repeat(40)}/RE${"3".repeat(40)}.wav`;
    const writer = await blobs.create(KEY);
    await writer.write(pattern(0, 40_000));
    const second = await blobs.create(other);
    await second.write(pattern(0, 10));
    // A finished blob is not unfinished.
    const done = await blobs.create(`recordings/AC${"1".repeat(40)}/done.wav`);
    await done.write(pattern(0, 5));
    await done.finish();
    assert.deepEqual(await blobs.listPartials(), [KEY, other]);

    const seen = await blobs.inspectPartial(KEY, 44);
    assert.equal(seen?.size, 40_000);
    assert.deepEqual(seen?.head, pattern(0, 44));
    // Ten bytes wait in the writer's memory: on disk there is nothing yet.
    assert.deepEqual(await blobs.inspectPartial(other, 44), { size: 0, head: new Uint8Array(0) });
    assert.equal(await blobs.inspectPartial(`recordings/AC${"1".repeat(40)}/none.wav`, 44), undefined);

    const head = new Uint8Array(44).fill(7);
    assert.deepEqual(await blobs.completePartial(KEY, 30_001, head), { size: 30_001 });
    const bytes = await readFile(join(blobs.root, ...KEY.split("/")));
    assert.equal(bytes.length, 30_001, "cut to the size asked");
    assert.deepEqual(new Uint8Array(bytes.subarray(0, 44)), head);
    assert.deepEqual(new Uint8Array(bytes.subarray(44)), pattern(44, 30_001 - 44), "the rest untouched");
    assert.equal((await blobs.stat(KEY))?.size, 30_001, "visible under its key");

    assert.equal(await blobs.deletePartial(other), true);
    assert.equal(await blobs.deletePartial(other), false);
    assert.deepEqual(await blobs.listPartials(), []);
  });

  test("listPartials on a root that does not exist yet is empty", async () => {
    assert.deepEqual(await new LocalBlobStore(join(temp.dir, "absent")).listPartials(), []);
  });
});
