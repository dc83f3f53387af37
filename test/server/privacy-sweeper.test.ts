import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import pino from "pino";
import { PrivacySweeper } from "../../src/server/privacy-sweeper.js";
import { LocalBlobStore } from "../../src/store/local-blob-store.js";
import { SimulatedClock } from "../../src/time/clock.js";
import {
  id,
  newAccount,
  newCall,
  newRecording,
  openTestStore,
  type TestStore,
  tempDir,
} from "../store/helpers.js";

/** The sweeper on its own: what is due goes (file, then metadata), and one failure stops nothing else. */

const A = newAccount(1).accountId;
const CALL = id("CA", 1);
const DEADLINE = 1_700_000_120_000;

let t: TestStore;
let folder: Awaited<ReturnType<typeof tempDir>>;
let blobs: LocalBlobStore;

beforeEach(async () => {
  t = await openTestStore("memory");
  folder = await tempDir("belay-sweeper-");
  blobs = new LocalBlobStore(join(folder.dir, "blobs"));
  await t.store.accounts.create(newAccount(1));
  await t.store.calls.create(newCall(A, 1));
});

afterEach(async () => {
  await t.dispose();
  await folder.remove();
});

/** A privacyMode recording n with a file, due at `deleteAt`. */
async function recording(n: number, deleteAt: number | null) {
  const row = newRecording(A, CALL, n, { privacyMode: deleteAt !== null, deleteAt });
  const writer = await blobs.create(row.blobKey);
  await writer.write(new Uint8Array(44));
  await writer.finish();
  return t.store.recordings.create(row);
}

function sweeperAt(now: number, blobStore = blobs): PrivacySweeper {
  const clock = new SimulatedClock(now);
  return new PrivacySweeper(
    { store: t.store, blobs: blobStore, clock, logger: pino({ level: "silent" }) },
    10_000,
  );
}

test("at its deadline a privacyMode recording's file and metadata go; others stay", async () => {
  const due = await recording(1, DEADLINE);
  const later = await recording(2, DEADLINE + 1);
  const kept = await recording(3, null);
  assert.equal(await sweeperAt(DEADLINE - 1).sweep(), 0);
  assert.equal(await sweeperAt(DEADLINE).sweep(), 1);
  assert.equal(await blobs.stat(due.blobKey), undefined);
  assert.equal(await t.store.recordings.get(A, due.recordingId), undefined);
  for (const row of [later, kept]) {
    assert.ok(await blobs.stat(row.blobKey));
    assert.ok(await t.store.recordings.get(A, row.recordingId));
  }
});

test("a file already gone still lets the metadata go", async () => {
  const row = await recording(1, DEADLINE);
  await blobs.delete(row.blobKey);
  assert.equal(await sweeperAt(DEADLINE).sweep(), 1);
  assert.equal(await t.store.recordings.get(A, row.recordingId), undefined);
});

test("a recording whose file cannot be deleted keeps its row for the next sweep, and blocks no other", async () => {
  const stuck = await recording(1, DEADLINE);
  const other = await recording(2, DEADLINE);
  let failing = true;
  const flaky = Object.create(blobs) as LocalBlobStore;
  flaky.delete = async (key: string) => {
    if (failing && key === stuck.blobKey) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
    return blobs.delete(key);
  };
  assert.equal(await sweeperAt(DEADLINE, flaky).sweep(), 1);
  assert.equal(await t.store.recordings.get(A, other.recordingId), undefined);
  assert.ok(await t.store.recordings.get(A, stuck.recordingId), "kept, to be tried again");
  failing = false;
  assert.equal(await sweeperAt(DEADLINE + 10_000, flaky).sweep(), 1);
  assert.equal(await t.store.recordings.get(A, stuck.recordingId), undefined);
  assert.equal(await blobs.stat(stuck.blobKey), undefined);
});

test("concurrent sweeps share one pass: nothing is deleted twice", async () => {
  await recording(1, DEADLINE);
  await recording(2, DEADLINE);
  const sweeper = sweeperAt(DEADLINE);
  const [first, second] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
  assert.deepEqual([first, second], [2, 2]);
  assert.equal((await t.store.recordings.list(A)).total, 0);
});
