import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import type { WebhookTarget } from "../../src/engine/ports.js";
import { recordingBlobKey } from "../../src/engine/recorder.js";
import { encodeWav, wavHeader } from "../../src/media/wav-write.js";
import { CrashRecovery } from "../../src/server/crash-recovery.js";
import { LocalBlobStore } from "../../src/store/local-blob-store.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type { LiveRecordingKind, Store } from "../../src/store/types.js";
import { id, ManualClock, newAccount, newCall, newDelivery, tempDir } from "../store/helpers.js";

/**
 * The recovery routine's surroundings on a real SQLite file and a real blob folder, set up as a
 * process that died left them. Notifications are captured where the outbox would store them (the
 * outbox's own sending is tested in test/webhooks/outbox.test.ts and end to end in
 * test/e2e/crash-recovery), and stored as deliveries as the outbox does, so a later recovery sees
 * them as owed no more.
 */

export const START = 1_700_000_000_000;
export const A = newAccount(1).accountId;
export const PUBLIC_URL = "http://belay.test:8080";
const silent = pino({ level: process.env.DEBUG_RECOVERY ? "debug" : "silent" });

export class RecoveryRig {
  readonly notified: WebhookTarget[] = [];
  readonly app = {
    notify: async (target: WebhookTarget) => {
      this.notified.push(target);
      await this.store.deliveries.create(
        newDelivery(target.accountId, 1000 + this.notified.length, {
          callId: target.callId,
          requestType: target.body.requestType,
          body: JSON.stringify(target.body),
        }),
      );
    },
  };

  private constructor(
    private readonly folder: Awaited<ReturnType<typeof tempDir>>,
    readonly clock: ManualClock,
    readonly store: Store,
    readonly blobs: LocalBlobStore,
  ) {}

  static async open(): Promise<RecoveryRig> {
    const folder = await tempDir("belay-recovery-");
    const clock = new ManualClock(START);
    const store = await openSqliteStore(join(folder.dir, "belay.db"), { now: clock.now });
    const blobs = new LocalBlobStore(join(folder.dir, "blobs"));
    await store.accounts.create(newAccount(1));
    return new RecoveryRig(folder, clock, store, blobs);
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.folder.remove();
  }

  recover(lastAliveAt?: number): Promise<CrashRecovery> {
    const { store, blobs, clock } = this;
    return CrashRecovery.settle({ store, blobs, clock, logger: silent, lastAliveAt });
  }

  /** A call as the engine stores it, live, with its live row. */
  async liveCall(n: number, extra: Parameters<typeof newCall>[2] = {}, connectUrl: string | null = null) {
    const call = await this.store.calls.create(
      newCall(A, n, { status: "inProgress", startTime: START, ...extra }),
    );
    await this.store.live.addCall({
      callId: call.callId,
      accountId: A,
      statusCallbackUrl: "http://app/status",
      connectUrl,
    });
    return call;
  }

  /** A recording being written: its live row and `.partial` holding `bytes`. */
  async liveRecording(
    callId: string,
    n: number,
    bytes: Uint8Array,
    options: { privacyMode?: boolean; kind?: LiveRecordingKind; conferenceId?: string } = {},
  ) {
    const recordingId = id("RE", n);
    const blobKey = recordingBlobKey(A, recordingId);
    const kind = options.kind ?? "utterance";
    await this.store.live.addRecording({
      recordingId,
      accountId: A,
      callId,
      blobKey,
      kind,
      conferenceId: options.conferenceId ?? null,
      actionUrl: kind === "utterance" ? "http://app/recorded" : "",
      privacyMode: options.privacyMode ?? false,
    });
    const path = join(this.blobs.root, ...blobKey.split("/"));
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(`${path}.partial`, bytes);
    return { recordingId, blobKey, path };
  }
}

/** What WavWriter leaves: the header with unknown sizes, then samples, maybe a torn last byte. */
export function partialWav(pcm: Int16Array, tornByte = false): Uint8Array {
  const whole = encodeWav(pcm);
  whole.set(wavHeader(0xffffffff));
  return tornByte ? Uint8Array.from([...whole, 0x12]) : whole;
}

/** A 2-channel recording as WavWriter streams it: the header, then left/right sample pairs. */
export function partialStereoWav(left: Int16Array, right: Int16Array, extraBytes: number[] = []): Uint8Array {
  const bytes = new Uint8Array(44 + left.length * 4 + extraBytes.length);
  bytes.set(wavHeader(0xffffffff, 8000, 2));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < left.length; i++) {
    view.setInt16(44 + i * 4, left[i] as number, true);
    view.setInt16(46 + i * 4, right[i] as number, true);
  }
  bytes.set(extraBytes, 44 + left.length * 4);
  return bytes;
}

export const ramp = (n: number, step = 97) => Int16Array.from({ length: n }, (_, i) => (i * step) % 20_000);
