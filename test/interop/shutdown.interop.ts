import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { readWav } from "../../src/media/wav-read.js";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { authOf } from "../e2e/harness.js";
import { speech, writeWav8k } from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";

/**
 * Graceful shutdown with a real phone on the line: Belay is closed while it records baresip. The
 * phone gets a BYE; the recording is finished and its webhook queued durably, so a Belay started
 * again on the same data folder delivers it, and the recording it names holds the caller's voice.
 */

const TALK_BEFORE_SHUTDOWN_MS = 3000;
let belay: SipBelay;
let restarted: Belay | undefined;
let baresip: Baresip;
let dir: string;
let voice: Int16Array;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-shutdown-"));
  voice = await speech(
    "Good afternoon, I would like to book a table for four people on Friday evening at eight, " +
      "preferably by the window if you still have one, and my name is Taylor.",
  );
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          { RecordUtterance: { actionUrl: `${base}/recorded`, silenceTimeoutMs: 30_000, maxLengthSec: 60 } },
        ],
      }),
    },
  });
  baresip = await startBaresip({ source: { wav: await writeWav8k(path.join(dir, "voice.wav"), voice) } });
});

after(async () => {
  await baresip?.quit();
  await baresip?.remove();
  await restarted?.close();
  await belay?.app.close();
  await rm(belay?.harness.dataDir ?? dir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("closing Belay mid-recording sends the phone a BYE; the recording is kept and its webhook delivered, by a restarted Belay if need be", async (t) => {
  assert.ok((await baresip.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`)).ok);
  await baresip.nextEvent("CALL_ESTABLISHED", 10_000);
  const events = baresip.events.length;
  await new Promise((resolve) => setTimeout(resolve, TALK_BEFORE_SHUTDOWN_MS)); // the caller talks

  await belay.harness.belay.close();
  await baresip.nextEvent("CALL_CLOSED", 5000, events);
  assert.match(
    baresip.log(),
    new RegExp(`UDP 127\\.0\\.0\\.1:${belay.sipPort} -> 127\\.0\\.0\\.1:${baresip.sipPort}\\s+BYE sip:`),
    "baresip received Belay's BYE",
  );

  // Started again on the same data folder (SIP off): the outbox delivers whatever is still due.
  restarted = await createBelay(
    resolveConfig({ dataDir: belay.harness.dataDir, port: 0, logLevel: "silent", sipPort: 0 }, {}),
  );
  await restarted.listen();
  const record = await belay.webhook("/recorded", 20_000);
  assert.equal(record.body.termReason, "hangup", record.rawBody);
  assert.equal(record.body.callStatus, "completed");
  const url = new URL(record.body.recordingUrl as string);
  const response = await fetch(`${restarted.publicUrl()}${url.pathname}`, {
    headers: { authorization: authOf(restarted) },
  });
  assert.equal(response.status, 200, `GET ${url.pathname} on the restarted Belay`);
  const recorded = readWav(new Uint8Array(await response.arrayBuffer())).pcm8k;
  const found = align(voice, recorded, { minOverlap: 8000 });
  t.diagnostic(
    `recording ${recorded.length / 8} ms for ${TALK_BEFORE_SHUTDOWN_MS} ms of talk; correlation ${found.correlation.toFixed(6)}`,
  );
  assert.ok(found.correlation > 0.99, `the caller's voice recorded with correlation ${found.correlation}`);
  assert.ok(
    Math.abs(recorded.length / 8 - TALK_BEFORE_SHUTDOWN_MS) < 1500,
    `${recorded.length / 8} ms recorded`,
  );
  const status = await belay.webhook("/status", 20_000);
  assert.equal(status.body.callStatus, "completed", status.rawBody);
  t.diagnostic(`callEndedReason on shutdown: ${status.body.callEndedReason}`);
});
