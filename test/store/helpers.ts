import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type {
  AccountRow,
  ApplicationRow,
  CallRow,
  ConferenceRow,
  ParticipantRow,
  PhoneNumberRow,
  RecordingRow,
  Store,
  WebhookDeliveryRow,
} from "../../src/store/types.js";

export const BACKENDS = ["file", "memory"] as const;
export type Backend = (typeof BACKENDS)[number];

/** A clock the test moves by hand, so dates and orderings are exact. */
export class ManualClock {
  constructor(public time = 1_700_000_000_000) {}
  readonly now = (): number => this.time;
  advance(ms: number): number {
    this.time += ms;
    return this.time;
  }
}

export interface TestStore {
  store: Store;
  clock: ManualClock;
  /** The SQLite file, or undefined for ":memory:". */
  file: string | undefined;
  dispose(): Promise<void>;
}

export async function tempDir(prefix = "belay-store-"): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function openTestStore(backend: Backend): Promise<TestStore> {
  const clock = new ManualClock();
  if (backend === "memory") {
    const store = await openSqliteStore(":memory:", { now: clock.now });
    return { store, clock, file: undefined, dispose: () => store.close() };
  }
  const temp = await tempDir();
  const file = join(temp.dir, "belay.db");
  const store = await openSqliteStore(file, { now: clock.now });
  return {
    store,
    clock,
    file,
    async dispose() {
      await store.close();
      await temp.remove();
    },
  };
}

/** Ids shaped like Belay's: two letters + 40 hex digits. */
export function id(prefix: string, n: number): string {
  return prefix + n.toString(16).padStart(40, "0");
}

type New<T> = Omit<T, "dateCreated" | "dateUpdated" | "revision">;

export function newAccount(n: number, extra: Partial<New<AccountRow>> = {}): New<AccountRow> {
  return {
    accountId: id("AC", n),
    apiKey: `key-${n}`,
    signingSecret: `secret-${n}`,
    alias: null,
    label: null,
    ...extra,
  };
}

export function newApplication(
  accountId: string,
  n: number,
  extra: Partial<New<ApplicationRow>> = {},
): New<ApplicationRow> {
  return {
    applicationId: id("AP", n),
    accountId,
    alias: null,
    voiceUrl: `http://127.0.0.1:9/voice/${n}`,
    voiceFallbackUrl: null,
    callConnectUrl: null,
    statusCallbackUrl: null,
    smsUrl: null,
    smsFallbackUrl: null,
    ...extra,
  };
}

export function newNumber(
  accountId: string,
  n: number,
  extra: Partial<New<PhoneNumberRow>> = {},
): New<PhoneNumberRow> {
  return {
    phoneNumberId: id("PN", n),
    accountId,
    phoneNumber: `+1555000${String(n).padStart(4, "0")}`,
    alias: null,
    applicationId: null,
    ...extra,
  };
}

export function newCall(accountId: string, n: number, extra: Partial<New<CallRow>> = {}): New<CallRow> {
  return {
    callId: id("CA", n),
    accountId,
    parentCallId: null,
    applicationId: null,
    phoneNumberId: null,
    from: "+15551110000",
    to: "+15552220000",
    direction: "inbound",
    status: "queued",
    callEndedReason: null,
    startTime: null,
    connectTime: null,
    endTime: null,
    ...extra,
  };
}

export function newRecording(
  accountId: string,
  callId: string,
  n: number,
  extra: Partial<New<RecordingRow>> = {},
): New<RecordingRow> {
  const recordingId = id("RE", n);
  return {
    recordingId,
    accountId,
    callId,
    conferenceId: null,
    blobKey: `recordings/${accountId}/${recordingId}.wav`,
    sizeBytes: 16_044,
    durationMs: 1_000,
    privacyMode: false,
    deleteAt: null,
    ...extra,
  };
}

export function newDelivery(
  accountId: string,
  n: number,
  extra: Partial<Omit<WebhookDeliveryRow, "dateCreated" | "dateUpdated">> = {},
): Omit<WebhookDeliveryRow, "dateCreated" | "dateUpdated" | "redacted"> & { redacted?: boolean } {
  return {
    deliveryId: id("WD", n),
    accountId,
    callId: null,
    requestType: "callStatus",
    url: "http://127.0.0.1:9/status",
    body: `{"requestType":"callStatus","n":${n}}`,
    durable: true,
    state: "pending",
    attempts: 0,
    nextAttemptAt: null,
    lastStatus: null,
    lastError: null,
    latencyMs: null,
    ...extra,
  };
}

export function newConference(
  accountId: string,
  n: number,
  extra: Partial<New<ConferenceRow>> = {},
): New<ConferenceRow> {
  return {
    conferenceId: id("CF", n),
    accountId,
    alias: null,
    playBeep: "always",
    record: false,
    status: "empty",
    waitUrl: null,
    actionUrl: null,
    statusCallbackUrl: `http://127.0.0.1:9/conference/${n}`,
    callId: null,
    ...extra,
  };
}

export function newParticipant(
  accountId: string,
  conferenceId: string,
  callN: number,
  extra: Partial<New<ParticipantRow>> = {},
): New<ParticipantRow> {
  return {
    accountId,
    conferenceId,
    callId: id("CA", callN),
    talk: true,
    listen: true,
    dtmfPassThrough: true,
    startConfOnEnter: true,
    ...extra,
  };
}
