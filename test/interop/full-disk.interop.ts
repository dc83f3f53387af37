import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, rmdir, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { readWav } from "../../src/media/wav-read.js";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { DISK_RETRY_AFTER_SEC } from "../../src/server/disk-guard.js";
import { parseMinFreeDisk } from "../../src/server/disk-space.js";
import {
  authOf,
  FROM,
  openApiErrors,
  pcmToBase64,
  placeVirtualCall,
  type ScriptedApp,
  startScriptedApp,
  TO,
  type VirtualCallRun,
} from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { until } from "../helpers/until.js";
import { addNumber, PeerCall } from "../sip/sip-call-peer.js";
import { UdpPeer } from "../sip/udp-peer.js";
import { freeUdpPort } from "./ports.js";
import { within } from "./process.js";

/**
 * A real full disk (docs/operations/disk-space.md): Belay's data folder on a 3 MB tmpfs, filled by
 * the recordings of real virtual calls against a real HTTP app. Every call ends cleanly, every
 * recording with a row is a valid WAV with its record webhook, new calls are refused with the
 * documented errors, and once files are deleted Belay takes calls again without a restart.
 * Needs root for mount, as `npm run test:interop` has.
 */

const run = promisify(execFile);
const SECONDS = 30;
const SAMPLES = SECONDS * 8000;
/** What each caller says: loud, so the recording starts at once and runs its 30 s. */
const VOICE = Int16Array.from({ length: SAMPLES }, (_, i) =>
  Math.round(8000 * Math.sin(i / 3) + ((i * 7919) % 2000)),
);

let mountPoint: string;
let belay: Belay;
let app: ScriptedApp;
let sipPort: number;

before(async () => {
  mountPoint = await mkdtemp(path.join(tmpdir(), "belay-full-disk-"));
  await run("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint]);
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        {
          RecordUtterance: {
            actionUrl: `${base}/recorded`,
            maxLengthSec: SECONDS,
            silenceTimeoutMs: 60_000,
            playBeep: false,
          },
        },
      ],
    }),
    "/recorded": () => ({ body: [{ Say: { text: "Thank you." } }, { Hangup: {} }] }),
  });
  sipPort = await freeUdpPort();
  belay = await createBelay(
    resolveConfig(
      {
        dataDir: mountPoint,
        port: 0,
        logLevel: "silent",
        sipPort,
        minFreeDisk: parseMinFreeDisk("--min-free-disk", "1600KB"),
        diskCheckMs: 50,
      },
      {},
    ),
  );
  await belay.listen();
  await addNumber(belay, TO, `${app.url}/voice`, `${app.url}/status`);
});

after(async () => {
  await belay?.close();
  await app?.close();
  // Lazily if a file is still open there (a failed run), so no mount outlives the test.
  await run("umount", [mountPoint])
    .catch(() => run("umount", ["-l", mountPoint]))
    .catch(() => undefined);
  await rmdir(mountPoint).catch(() => rm(mountPoint, { recursive: true, force: true }));
});

function virtualCall(): Promise<VirtualCallRun> {
  return placeVirtualCall(belay, { from: FROM, to: TO, audio: pcmToBase64(VOICE), fast: true });
}

async function api(method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${belay.publicUrl()}${url}`, {
    method,
    headers: {
      authorization: authOf(belay),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The 503 with Retry-After and FreeClimb's error body, code 30. */
async function assertRefused(response: Response): Promise<void> {
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), String(DISK_RETRY_AFTER_SEC));
  const body = (await response.json()) as Record<string, unknown>;
  assert.deepEqual(validate("PlatformError", body), []);
  assert.equal(body.code, 30);
  assert.match(String(body.message), /--min-free-disk/);
}

test("a disk filled by recordings: calls end cleanly, recordings stay valid, new calls wait for room", async () => {
  const accountId = belay.account.accountId;
  // Six 30 s recordings at once (480 KB each) on the ~2 MB left: the disk fills mid-recording.
  // --min-free-disk 1600KB makes the reserve 400 KB: what six calls' ends and webhooks need.
  const runs = await within(
    60_000,
    "six calls on a filling disk",
    Promise.all([1, 2, 3, 4, 5, 6].map(() => virtualCall())),
  );

  for (const { result } of runs) {
    assert.equal(result.status, "completed", JSON.stringify(result));
    assert.equal(result.reason, "appHangup", "each call went on to the app's Hangup");
  }
  const callIds = runs.map((r) => r.result.callId as string);
  // Every call's callStatus went out, valid against FreeClimb's OpenAPI.
  // A delivery whose bookkeeping met the full disk is retried with the outbox's backoff, so the
  // test waits for the webhooks themselves, not for one pass of the outbox.
  const statuses = await until(
    async () => {
      const hits = app.hits.filter((h) => h.path === "/status");
      return hits.length >= callIds.length ? hits : undefined;
    },
    30_000,
    "every callStatus webhook",
  );
  assert.deepEqual(statuses.map((h) => h.body.callId).sort(), [...callIds].sort());
  for (const hit of statuses) {
    assert.deepEqual(openApiErrors("CallStatusWebhook", hit.body), []);
    assert.equal(hit.body.callEndedReason, "appHangup");
  }
  // Every record webhook was sent; the ones cut short say maxLength; every one with a row is a valid WAV.
  const records = app.hits.filter((h) => h.path === "/recorded");
  assert.deepEqual(records.map((h) => h.body.callId).sort(), [...callIds].sort());
  let cutShort = 0;
  for (const hit of records) {
    assert.deepEqual(openApiErrors("RecordWebhook", hit.body), []);
    assert.equal(hit.body.termReason, "maxLength");
    if (hit.body.recordingId === null) {
      cutShort++;
      assert.equal(hit.body.recordingSize, "0");
      continue;
    }
    const response = await api(
      "GET",
      `/apiserver/Accounts/${accountId}/Recordings/${hit.body.recordingId}/Download`,
    );
    assert.equal(response.status, 200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(String(bytes.length), hit.body.recordingSize);
    const pcm = readWav(bytes).pcm8k;
    assert.equal(bytes.length, 44 + 2 * pcm.length, "header sizes match the data");
    if (pcm.length < SAMPLES) cutShort++;
    assert.equal(
      pcm.findIndex((s, i) => s !== VOICE[i]),
      -1,
      "the recording is what the caller said, from the start, sample for sample",
    );
    assert.equal(hit.body.recordingDurationSec, Math.ceil(pcm.length / 8000));
  }
  assert.ok(cutShort >= 1, "at least one recording was cut short by the full disk");
  // No call is left live.
  for (const callId of callIds) {
    const response = await api("GET", `/apiserver/Accounts/${accountId}/Calls/${callId}`);
    const row = (await response.json()) as Record<string, unknown>;
    assert.equal(row.status, "completed");
    assert.ok(row.endTime, "the call has its endTime");
  }

  // Once the calls are over Belay gives space back (its reserve file comes back, the WAL is
  // checkpointed), so how low the disk stays depends on how the recordings were cut. Another
  // writer fills it below --min-free-disk, so the guard's refusal does not race that.
  const filler = path.join(mountPoint, "another-writer");
  const { bavail, bsize } = await statfs(mountPoint);
  await writeFile(filler, Buffer.alloc(Math.max(0, bavail * bsize - 300 * 1024), 1));

  // The disk is low now: new calls are refused, with the documented errors.
  await within(
    5000,
    "the guard to refuse calls",
    waitFor(() => belay.disk?.refusal() !== undefined),
  );
  await assertRefused(
    await api("POST", "/belay/v1/virtual-calls", {
      from: FROM,
      to: TO,
      fast: true,
      audio: pcmToBase64(VOICE),
    }),
  );
  await assertRefused(
    await api("POST", `/apiserver/Accounts/${accountId}/Calls`, {
      from: FROM,
      to: TO,
      callConnectUrl: `${app.url}/voice`,
    }),
  );
  const health = await fetch(`${belay.publicUrl()}/healthz`);
  assert.equal(health.status, 503);
  assert.equal(((await health.json()) as Record<string, unknown>).reason, "diskSpaceLow");
  const caller = await UdpPeer.open();
  try {
    new PeerCall(caller, sipPort, TO).invite();
    const refused = await caller.response(503, "INVITE");
    assert.equal(refused.headers.get("Retry-After"), String(DISK_RETRY_AFTER_SEC));
  } finally {
    await caller.close();
  }

  // Room again: the recordings are deleted, and Belay takes calls by itself, without a restart.
  await rm(filler);
  for (const hit of records) {
    if (hit.body.recordingId === null) continue;
    const deleted = await api(
      "DELETE",
      `/apiserver/Accounts/${accountId}/Recordings/${hit.body.recordingId}`,
    );
    assert.equal(deleted.status, 204);
  }
  await within(
    5000,
    "the guard to take calls again",
    waitFor(() => belay.disk?.refusal() === undefined),
  );
  assert.equal((await fetch(`${belay.publicUrl()}/healthz`)).status, 200);
  const again = await virtualCall();
  assert.equal(again.result.reason, "appHangup");
});

/** Resolves once `condition` holds, checking on each of the guard's changes (and now). */
function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (condition()) return resolve();
    belay.disk?.onChange(() => {
      if (condition()) resolve();
    });
  });
}
