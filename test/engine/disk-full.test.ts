import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { WebhookBody } from "../../src/engine/ports.js";
import type { CallerScript } from "../../src/legs/virtual/script.js";
import { WAV_HEADER_BYTES } from "../../src/media/wav-write.js";
import type { CallRow, Patch, Store } from "../../src/store/types.js";
import { FullDisk } from "../helpers/full-disk.js";
import {
  appUrl,
  assertEnded,
  type CallRun,
  callerStream,
  EngineHarness,
  onlyRequest,
  sampleAt,
  talking,
} from "./harness.js";

/**
 * A recording that fills the disk (docs/operations/disk-space.md): it stops there as if it had
 * reached its length limit, keeps what reached the disk as a valid WAV with its row, the `record`
 * webhook goes out, and the call carries on with the app's PerCL to a clean end.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

/** Records up to 30 s on a disk with `room` bytes; the record webhook's PerCL says goodbye and hangs up. */
async function recordOnFullDisk(
  room: number,
  caller: CallerScript,
): Promise<{ run: CallRun; disk: FullDisk }> {
  const disk = new FullDisk(room);
  const run = await h.runCall({
    blobs: disk.blobStore(h.blobs.root),
    speech: false,
    routes: {
      "/voice": () => [{ RecordUtterance: { actionUrl: appUrl("/rec"), maxLengthSec: 30 } }],
      "/rec": () => [{ Say: { text: "Thank you" } }, { Hangup: {} }],
    },
    caller,
  });
  return { run, disk };
}

function recordBody(run: CallRun): WebhookBody {
  return onlyRequest(run, "record").body;
}

describe("RecordUtterance when the disk fills", () => {
  test("the recording keeps the whole samples that reached the disk, ends maxLength, and the call goes on", async () => {
    const caller = { audio: talking(30_000) };
    // Room for the header and 40 000.5 samples (5 s): the odd byte is no sample.
    const { run, disk } = await recordOnFullDisk(WAV_HEADER_BYTES + 80_001, caller);
    const body = recordBody(run);
    assert.equal(body.termReason, "maxLength", "a full disk ends it as its length limit would");
    assert.equal(onlyRequest(run, "record").kind, "percl", "the app's PerCL for it runs");
    assert.equal(body.recordingSize, String(WAV_HEADER_BYTES + 80_000));
    assert.equal(body.recordingDurationSec, 5);
    const file = await h.recording(body.recordingId as string);
    assert.equal(file.bytes.length, WAV_HEADER_BYTES + 80_000);
    assert.equal(file.row.durationMs, 5000);
    assert.equal(file.row.sizeBytes, WAV_HEADER_BYTES + 80_000);
    // Sample for sample, the first 5 s of what the caller said.
    const expected = callerStream(caller, 5000).subarray(0, sampleAt(5000));
    assert.equal(file.pcm.length, expected.length);
    assert.equal(
      file.pcm.findIndex((s, i) => s !== expected[i]),
      -1,
    );
    assert.equal(disk.fullReports, 1, "the store heard of the full disk once");
    assertEnded(run, "appHangup", "completed");
  });

  test("a disk with no room for a single sample: no recording, the webhook still goes out, the call goes on", async () => {
    const { run } = await recordOnFullDisk(0, { audio: talking(30_000) });
    const body = recordBody(run);
    assert.equal(body.termReason, "maxLength");
    assert.equal(body.recordingId, null);
    assert.equal(body.recordingUrl, null);
    assert.equal(body.recordingSize, "0");
    assert.equal(body.recordingDurationSec, 0);
    assertEnded(run, "appHangup", "completed");
    const rows = await h.store.recordings.list(h.accountId, { callId: run.callId });
    assert.equal(rows.total, 0, "no row for a recording that kept nothing");
  });
});

describe("the end of a call when the disk is full", () => {
  /**
   * The harness's store, except that storing a call's end fails `failures` times as SQLite does
   * on a full disk (the fault injected; the store is real).
   */
  function fillingStore(failures: number): { store: Store; tries: () => number } {
    let tries = 0;
    const calls = new Proxy(h.store.calls, {
      get(target, name) {
        if (name !== "update") return Reflect.get(target, name, target);
        return (accountId: string, callId: string, patch: Patch<CallRow>) => {
          if (patch.endTime === undefined) return target.update(accountId, callId, patch);
          tries++;
          if (tries <= failures) {
            return Promise.reject(
              Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }),
            );
          }
          return target.update(accountId, callId, patch);
        };
      },
    });
    const store = new Proxy(h.store, {
      get: (target, name) => (name === "calls" ? calls : Reflect.get(target, name, target)),
    });
    return { store, tries: () => tries };
  }

  const hangUp = { "/voice": () => [{ Hangup: {} }] };

  test("a first failure is tried again: the row ends and the callStatus goes out", async () => {
    const { store, tries } = fillingStore(1);
    const run = await h.runCall({ store, speech: false, routes: hangUp });
    assert.equal(tries(), 2);
    assertEnded(run, "appHangup", "completed");
  });

  test("a row that cannot be ended is logged, and the callStatus still goes out", async () => {
    const { store } = fillingStore(Number.POSITIVE_INFINITY);
    const run = await h.runCall({ store, speech: false, routes: hangUp });
    assert.equal(run.outcome.reason, "appHangup");
    const status = run.requests.at(-1);
    assert.equal(status?.body.requestType, "callStatus");
    assert.equal(status?.body.callEndedReason, "appHangup");
  });
});
