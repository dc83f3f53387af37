import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { access, readFile, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { LOCK_FILE, lockDataDir } from "../../src/server/data-dir-lock.js";
import { tempDir } from "../e2e/harness.js";

/** The data folder's lock: one Belay per folder, and a dead holder's lock taken over with what it knew. */

let folder: { dir: string; remove(): Promise<void> };
beforeEach(async () => {
  folder = await tempDir("lock");
});
afterEach(() => folder.remove());

const lockPath = () => join(folder.dir, LOCK_FILE);
const inUse = (err: unknown) => isBelayError(err, "DATA_DIR_IN_USE");

function holder(pid: number, host = hostname()) {
  return JSON.stringify({ pid, hostname: host, role: "belay serve", startedAt: "2026-01-01T00:00:00.000Z" });
}

/** A real process that stays alive until killed: the holder of a lock. */
function liveProcess() {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  return {
    pid: child.pid as number,
    stop: () => new Promise((resolve) => child.once("exit", resolve).kill()),
  };
}

test("a lock held by a live process on this host is DATA_DIR_IN_USE, naming it", async () => {
  const other = liveProcess();
  try {
    await writeFile(lockPath(), holder(other.pid));
    await assert.rejects(lockDataDir(folder.dir, "belay serve"), (err: unknown) => {
      assert.ok(inUse(err));
      assert.match(
        (err as Error).message,
        new RegExp(`in use by another Belay \\(belay serve, pid ${other.pid} `),
      );
      assert.match((err as Error).message, /stop it first, or use another --data-dir/);
      return true;
    });
    assert.equal(await readFile(lockPath(), "utf8"), holder(other.pid), "left as it was");
  } finally {
    await other.stop();
  }
});

test("a dead holder's lock is taken over, with when it was last alive; release removes ours only", async () => {
  const gone = liveProcess();
  await gone.stop();
  await writeFile(lockPath(), holder(gone.pid));
  const lastAlive = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  await utimes(lockPath(), lastAlive, lastAlive);

  const lock = await lockDataDir(folder.dir, "belay serve");
  assert.equal(lock.previous?.pid, gone.pid);
  assert.equal(lock.previous?.lastAliveAt, lastAlive.getTime());
  const mine = JSON.parse(await readFile(lockPath(), "utf8")) as { pid: number };
  assert.equal(mine.pid, process.pid);
  // A second Belay in this same process is refused as well.
  await assert.rejects(lockDataDir(folder.dir, "belay serve"), inUse);
  await lock.release();
  await assert.rejects(access(lockPath()), "released on close");

  const again = await lockDataDir(folder.dir, "belay serve");
  assert.equal(again.previous, undefined, "a clean close leaves nothing to recover from");
  await writeFile(lockPath(), holder(12345678, "elsewhere"));
  await again.release();
  assert.equal(await readFile(lockPath(), "utf8"), holder(12345678, "elsewhere"), "not ours: kept");
});

test("another host's lock: held while its heartbeat is fresh, taken over once stale", async () => {
  await writeFile(lockPath(), holder(1, "another-host"));
  await assert.rejects(lockDataDir(folder.dir, "belay serve"), inUse);
  const old = new Date(Date.now() - 60_000);
  await utimes(lockPath(), old, old);
  const lock = await lockDataDir(folder.dir, "belay serve");
  assert.equal(lock.previous?.hostname, "another-host");
  await lock.release();
});

test("a lock naming this very pid is a previous life of it (a restarted container) and is taken over", async () => {
  await writeFile(lockPath(), holder(process.pid));
  const lock = await lockDataDir(folder.dir, "belay serve");
  assert.equal(lock.previous?.pid, process.pid);
  await lock.release();
});
