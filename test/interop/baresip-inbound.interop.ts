import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { speech, writeWav8k } from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";

/**
 * baresip dials a Belay number with a WAV as its microphone (PCMU at 20 ms, telephone-event 101,
 * RTCP to port + 1, an empty Supported:, a bare ;rport) and hangs up while it is being recorded.
 */

const TALK_BEFORE_HANGUP_MS = 4000;
let belay: SipBelay;
let baresip: Baresip;
let dir: string;
let voice: Int16Array;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-bs-in-"));
  voice = await speech(
    "Hi, this is Sam from the garage. Your car is ready, the brakes are done and the bill comes to " +
      "two hundred and forty dollars. We are open until six tonight and from eight tomorrow morning.",
  );
  const wav = await writeWav8k(path.join(dir, "voice.wav"), voice);
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          { RecordUtterance: { actionUrl: `${base}/recorded`, silenceTimeoutMs: 30_000, maxLengthSec: 60 } },
        ],
      }),
    },
  });
  baresip = await startBaresip({ source: { wav }, quitAfterSec: 30 });
});

after(async () => {
  await baresip?.quit();
  await baresip?.remove();
  await belay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("baresip's call is answered, recorded, and its hang-up ends the recording with termReason hangup", async (t) => {
  assert.ok(voice.length > (TALK_BEFORE_HANGUP_MS + 2000) * 8, "the WAV outlasts the call");
  const dialled = await baresip.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`);
  assert.ok(dialled.ok, `baresip refused to dial: ${JSON.stringify(dialled.data)}`);
  try {
    await baresip.nextEvent("CALL_ESTABLISHED", 10_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nbaresip's SIP trace:\n${baresip.log().slice(-6000)}`);
  }
  // The caller talks for a while, then hangs up mid-sentence (the recording is still running).
  await new Promise((resolve) => setTimeout(resolve, TALK_BEFORE_HANGUP_MS));
  const hungUp = await baresip.command("hangup");
  assert.ok(hungUp.ok, `baresip could not hang up: ${JSON.stringify(hungUp.data)}`);
  await baresip.nextEvent("CALL_CLOSED", 5000);

  const record = await belay.webhook("/recorded", 10_000);
  assert.equal(record.body.termReason, "hangup", record.rawBody);
  assert.equal(record.body.callStatus, "completed");
  const recorded = await belay.recording(record);
  const found = align(voice, recorded, { minOverlap: 8000 });
  t.diagnostic(
    `recording ${recorded.length / 8} ms; lag ${found.lag} (the WAV starts ${-found.lag / 8} ms into the recording); ` +
      `correlation ${found.correlation.toFixed(6)} over ${found.overlap} samples`,
  );
  assert.ok(found.correlation > 0.99, `aligned correlation ${found.correlation} at lag ${found.lag}`);
  assert.ok(
    Math.abs(recorded.length / 8 - TALK_BEFORE_HANGUP_MS) < 1500,
    `${recorded.length / 8} ms recorded for ${TALK_BEFORE_HANGUP_MS} ms of talk`,
  );

  const status = await belay.webhook("/status", 5000);
  assert.equal(status.body.callEndedReason, "farEndHangup", status.rawBody);
  assert.equal(status.body.from, "caller");
});
