import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { isBelayError } from "../../src/errors.js";
import { RESERVE_FILE } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { DISK_RETRY_AFTER_SEC, DiskGuard, reserveBytesFor } from "../../src/server/disk-guard.js";
import { DiskReserve } from "../../src/server/disk-reserve.js";
import { type FreeSpace, parseMinFreeDisk } from "../../src/server/disk-space.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { assertApiError, call } from "../api/helpers.js";
import { describeRun, runCli } from "../cli/run-cli.js";
import {
  FROM,
  placeVirtualCall,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TO,
  tempDir,
} from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { addNumber, PeerCall } from "../sip/sip-call-peer.js";
import { freeUdpPort, UdpPeer } from "../sip/udp-peer.js";

/**
 * Free disk space against --min-free-disk (docs/operations/disk-space.md), with the measurement
 * injected: a disk's free space is outside Belay. test/interop/full-disk.interop.ts fills a real one.
 */

const MB = 1024 * 1024;
const silent = pino({ level: "silent" });

/** A disk whose free space the test sets. */
class FakeDisk {
  measured = 0;
  constructor(
    public freeBytes: number,
    public totalBytes = 100 * MB,
  ) {}
  readonly probe = async (): Promise<FreeSpace> => {
    this.measured++;
    return { freeBytes: this.freeBytes, totalBytes: this.totalBytes };
  };
}

/** Resolves with the next change of whether calls are taken, or fails after `ms` of real time. */
function nextChange(guard: DiskGuard, ms = 5000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no change within ${ms} ms`)), ms);
    guard.onChange((accepting) => {
      clearTimeout(timer);
      resolve(accepting);
    });
  });
}

const size = async (file: string) => (await stat(file).catch(() => undefined))?.size;

describe("--min-free-disk", () => {
  test("sizes and shares parse; anything else is a clear configuration error", () => {
    assert.deepEqual(parseMinFreeDisk("x", "256MB"), { bytes: 256 * MB });
    assert.deepEqual(parseMinFreeDisk("x", "1.5g"), { bytes: 1.5 * 1024 * MB });
    assert.deepEqual(parseMinFreeDisk("x", "600KB"), { bytes: 600 * 1024 });
    assert.deepEqual(parseMinFreeDisk("x", "5%"), { percent: 5 });
    assert.deepEqual(parseMinFreeDisk("x", "0"), { bytes: 0 });
    for (const bad of ["lots", "-1MB", "12 parsecs", "100%", ""]) {
      assert.throws(
        () => parseMinFreeDisk("--min-free-disk", bad),
        (err: unknown) => isBelayError(err, "CONFIG_INVALID") && /--min-free-disk/.test(err.message),
        bad,
      );
    }
    assert.deepEqual(resolveConfig({}, { BELAY_MIN_FREE_DISK: "10%" }).minFreeDisk, { percent: 10 });
    assert.deepEqual(resolveConfig({}, {}).minFreeDisk, { bytes: 0 }, "off in-process unless asked for");
  });
});

describe("belay serve --min-free-disk", () => {
  test("a value that is no size or share stops serve with exit 2, flag or variable", async () => {
    const folder = await tempDir("disk-serve");
    try {
      const flag = await runCli(["serve", "--data-dir", folder.dir, "--min-free-disk", "plenty"]);
      assert.equal(flag.code, 2, describeRun(flag));
      assert.match(flag.stderr, /--min-free-disk "plenty" must be a size like 256MB/);
      const variable = await runCli(["serve", "--data-dir", folder.dir], {
        BELAY_MIN_FREE_DISK: "12 parsecs",
      });
      assert.equal(variable.code, 2, describeRun(variable));
      assert.match(variable.stderr, /BELAY_MIN_FREE_DISK "12 parsecs" must be a size/);
    } finally {
      await folder.remove();
    }
  });
});

describe("the disk guard", () => {
  let folder: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    folder = await tempDir("disk-guard");
  });
  after(() => folder.remove());

  function guardOn(disk: FakeDisk, minFree: string, name: string) {
    const clock = new SimulatedClock(0);
    const reserve = new DiskReserve(join(folder.dir, name));
    const guard = new DiskGuard({
      probe: disk.probe,
      clock,
      logger: silent,
      minFree: parseMinFreeDisk("--min-free-disk", minFree),
      everyMs: 1000,
      reserve,
    });
    return { guard, clock, reserve };
  }

  test("refuses under the threshold and takes calls again by itself, at the next measurement", async () => {
    const disk = new FakeDisk(50 * MB);
    const { guard, clock, reserve } = guardOn(disk, "8MB", "reserve-a");
    await guard.start();
    try {
      assert.equal(guard.refusal(), undefined);
      assert.equal(reserve.bytes, reserveBytesFor(8 * MB), "a quarter of the threshold");
      assert.equal(await size(reserve.file), 2 * MB, "the reserve is taken while there is room");

      disk.freeBytes = 7 * MB;
      const lowAt = clock.now();
      assert.equal(await nextChange(guard), false);
      assert.ok(clock.now() - lowAt <= 1000, "noticed within one measurement interval");
      const refusal = guard.refusal();
      assert.ok(refusal);
      assert.match(refusal.message, /only 7 MB free, under the 8 MB of --min-free-disk/);
      assert.equal(refusal.retryAfterSec, DISK_RETRY_AFTER_SEC);
      assert.deepEqual(guard.health(), {
        freeBytes: 7 * MB,
        minFreeBytes: 8 * MB,
        reserveBytes: 2 * MB,
        reserveHeld: true,
        acceptingCalls: false,
      });

      disk.freeBytes = 30 * MB;
      const roomAt = clock.now();
      assert.equal(await nextChange(guard), true);
      assert.ok(clock.now() - roomAt <= 1000);
      assert.equal(guard.refusal(), undefined);
    } finally {
      guard.stop();
    }
  });

  test("a full disk gives up the reserve at once and refuses until a measurement shows room again", async () => {
    const disk = new FakeDisk(50 * MB);
    const { guard, reserve } = guardOn(disk, "8MB", "reserve-b");
    await guard.start();
    try {
      assert.equal(await size(reserve.file), 2 * MB);
      disk.freeBytes = 0;
      assert.equal(guard.diskFull(), true, "there was a reserve to give up");
      assert.equal(await size(reserve.file), undefined, "deleted before diskFull() returns");
      assert.match(guard.refusal()?.message ?? "", /the disk is full/);
      assert.equal(guard.diskFull(), false, "nothing left to give up");

      // Room, but not yet enough to take the reserve back on top of the threshold.
      disk.freeBytes = 9 * MB;
      await guard.check();
      assert.ok(guard.refusal(), "9 MB free less the 2 MB reserve still owed is under 8 MB");
      disk.freeBytes = 20 * MB;
      assert.equal(await nextChange(guard), true);
      assert.equal(await size(reserve.file), 2 * MB, "the reserve is taken back");
    } finally {
      guard.stop();
    }
  });

  test("a share of the disk is measured against the disk's size", async () => {
    const disk = new FakeDisk(4 * MB, 100 * MB);
    const { guard } = guardOn(disk, "5%", "reserve-c");
    await guard.start();
    try {
      assert.equal(guard.health().minFreeBytes, 5 * MB);
      assert.ok(guard.refusal());
    } finally {
      guard.stop();
    }
  });
});

describe("a Belay whose disk is low", () => {
  const LOW = 10 * MB;
  let disk: FakeDisk;
  let harness: TestBelay;
  let app: ScriptedApp;
  let sipPort: number;

  before(async () => {
    app = await startScriptedApp({
      "/voice": () => ({ body: [{ Say: { text: "hello" } }, { Hangup: {} }] }),
    });
    disk = new FakeDisk(LOW - MB / 2);
    sipPort = await freeUdpPort();
    harness = await startBelay({
      sipPort,
      minFreeDisk: { bytes: LOW },
      freeSpaceProbe: disk.probe,
      diskCheckMs: 20,
    });
    await addNumber(harness.belay, TO, `${app.url}/voice`, `${app.url}/status`);
  });
  after(async () => {
    await harness?.stop();
    await app?.close();
  });

  test("turns every new call away, says why, and takes calls again by itself once there is room", async () => {
    const { belay } = harness;
    const accountId = belay.account.accountId;
    // A virtual call: 503, Retry-After, FreeClimb's error body.
    const virtual = await call(belay, "POST", "/belay/v1/virtual-calls", {
      body: { appUrl: `${app.url}/voice`, from: FROM, to: TO, fast: true },
    });
    const body = assertApiError(virtual, 503, { code: 30, messageMatches: /--min-free-disk/ });
    assert.deepEqual(validate("PlatformError", body), []);
    assert.equal(virtual.headers["retry-after"], String(DISK_RETRY_AFTER_SEC));
    assert.deepEqual(body.details, {
      freeBytes: LOW - MB / 2,
      minFreeBytes: LOW,
      retryAfterSec: DISK_RETRY_AFTER_SEC,
    });
    // POST /Calls: the same.
    const made = await call(belay, "POST", `/apiserver/Accounts/${accountId}/Calls`, {
      body: { from: FROM, to: TO, callConnectUrl: `${app.url}/voice` },
    });
    assert.deepEqual(validate("PlatformError", assertApiError(made, 503, { code: 30 })), []);
    assert.equal(made.headers["retry-after"], String(DISK_RETRY_AFTER_SEC));
    // /healthz: 503 and why.
    const health = await call(belay, "GET", "/healthz", { authorization: null });
    assert.equal(health.status, 503);
    const said = health.json<{ ok: boolean; acceptingCalls: boolean; reason: string; message: string }>();
    assert.equal(said.ok, false);
    assert.equal(said.acceptingCalls, false);
    assert.equal(said.reason, "diskSpaceLow");
    assert.match(said.message, /only 9.5 MB free, under the 10 MB of --min-free-disk/);
    // SIP: 503 with Retry-After.
    const caller = await UdpPeer.open();
    try {
      new PeerCall(caller, sipPort, TO).invite();
      const refused = await caller.response(503, "INVITE");
      assert.equal(refused.reason, "Low Disk Space");
      assert.equal(refused.headers.get("Retry-After"), String(DISK_RETRY_AFTER_SEC));
      assert.equal(belay.engine.liveCount(), 0);
      assert.equal(await belay.store.calls.list(accountId).then((page) => page.total), 0, "no call row");

      // Room again: no restart, no request: the next measurement lets calls in.
      const guard = belay.disk;
      assert.ok(guard);
      const change = nextChange(guard);
      disk.freeBytes = 100 * MB;
      assert.equal(await change, true);
      assert.equal(
        await size(join(harness.dataDir, RESERVE_FILE)),
        reserveBytesFor(LOW),
        "the disk reserve is taken in the data folder",
      );
      const run = await placeVirtualCall(belay, {
        appUrl: `${app.url}/voice`,
        from: FROM,
        to: TO,
        fast: true,
      });
      assert.equal(run.result.reason, "appHangup");
      assert.equal((await call(belay, "GET", "/healthz", { authorization: null })).status, 200);
      const accepted = new PeerCall(caller, sipPort, TO, 40_200);
      accepted.invite();
      const ok = await caller.response(200, "INVITE");
      accepted.answered(ok).ack();
      await app.nextHit("/status");
    } finally {
      await caller.close();
    }
  });
});
