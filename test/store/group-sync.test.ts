import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { GroupSync } from "../../src/store/group-sync.js";
import { DirectorySyncs } from "../../src/store/sync-directory.js";

/** An fsync the test completes by hand, so which caller shares which sync is exact. */
function manualFsync() {
  const pending: Array<{ resolve(): void; reject(err: Error): void }> = [];
  return {
    pending,
    fsync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
  };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe("GroupSync", () => {
  test("callers while a sync runs share the next one; it starts when the running one ends", async () => {
    const disk = manualFsync();
    const group = new GroupSync(disk.fsync);
    const first = group.sync();
    assert.equal(disk.pending.length, 1);
    const second = group.sync();
    const third = group.sync();
    assert.equal(disk.pending.length, 1, "no second fsync while the first runs");
    assert.equal(second, third, "the waiting callers share one promise");

    disk.pending[0]?.resolve();
    await first;
    assert.equal(await settled(second), false, "the first sync may predate their writes");
    assert.equal(disk.pending.length, 2, "the next sync started as the first ended");
    disk.pending[1]?.resolve();
    await Promise.all([second, third]);

    const later = group.sync();
    assert.equal(disk.pending.length, 3, "with nothing running, a caller starts a sync at once");
    disk.pending[2]?.resolve();
    await later;
  });

  test("a failed sync fails its callers; the next sync still runs for those who waited", async () => {
    const disk = manualFsync();
    const group = new GroupSync(disk.fsync);
    const first = group.sync();
    const second = group.sync();
    disk.pending[0]?.reject(new Error("EIO"));
    await assert.rejects(first, /EIO/);
    assert.equal(disk.pending.length, 2);
    disk.pending[1]?.resolve();
    await second;
  });
});

describe("DirectorySyncs", () => {
  test("recordings finishing together in one folder share its fsync; the folder is forgotten after", async () => {
    const dir = await mkdtemp(join(tmpdir(), "belay-dirsync-"));
    try {
      const syncs = new DirectorySyncs();
      const all = Promise.all([syncs.sync(dir), syncs.sync(dir), syncs.sync(dir)]);
      assert.equal(syncs.active, 1, "one group for the folder");
      await all;
      assert.equal(syncs.active, 0);
      await assert.rejects(syncs.sync(join(dir, "missing")), { code: "ENOENT" });
      assert.equal(syncs.active, 0, "a failed sync is forgotten too");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
