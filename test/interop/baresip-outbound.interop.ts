import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { encodeWav } from "../../src/media/wav-write.js";
import { authOf } from "../e2e/harness.js";
import { readWav8k, speech, writeWav8k } from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, serveFiles, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";

/**
 * Belay calls out (POST /Calls) through --sip-outbound to baresip, which answers by itself. The
 * app says a sentence, plays a WAV and records the peer: baresip's sndfile dump of what it heard
 * must hold the Say and the Play in order, and Belay's recording must hold the peer's voice.
 */

const PEER = "+15557770000";
const SAY = "Hello. This is your appointment reminder for Tuesday at nine.";
/**
 * baresip decodes a frame when a packet arrives, so the last few frames before Belay falls silent
 * (it sends no RTP while it records) stay in its jitter buffer and never reach the dump: a last
 * prompt after the Play pushes the Play's tail through.
 */
const THEN_SAY = "Please answer after this.";
const RECORD_SEC = 3;
let belay: SipBelay;
let baresip: Baresip;
let files: { url: string; close(): Promise<void> };
let dir: string;
let sayPcm: Int16Array;
let playPcm: Int16Array;
let peerVoice: Int16Array;

/** A 1.5 s sweep from 400 to 2400 Hz: nothing like speech, so it cannot be confused with the Say. */
function sweep(): Int16Array {
  const out = new Int16Array(12_000);
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    phase += (2 * Math.PI * (400 + (2000 * i) / out.length)) / 8000;
    out[i] = Math.round(8000 * Math.sin(phase));
  }
  return out;
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-bs-out-"));
  sayPcm = await speech(SAY);
  playPcm = sweep();
  peerVoice = await speech(
    "Yes, hello, I can hear you. Tuesday at nine works for me, thank you for calling. I will be there " +
      "a few minutes early, and I will bring the forms you sent me last week. Goodbye for now.",
  );
  files = await serveFiles({ "/sweep.wav": encodeWav(playPcm) });
  baresip = await startBaresip({
    source: { wav: await writeWav8k(path.join(dir, "peer.wav"), peerVoice) },
    answerMode: "auto",
    user: PEER,
    quitAfterSec: 40,
  });
  const port = baresip.sipPort;
  belay = await startSipBelay({
    sipOutbound: () => `sip:{to}@127.0.0.1:${port}`,
    routes: {
      "/connect": (_hit, base) => ({
        body: [
          { Say: { text: SAY } },
          { Play: { file: `${files.url}/sweep.wav` } },
          { Say: { text: THEN_SAY } },
          {
            RecordUtterance: {
              actionUrl: `${base}/recorded`,
              maxLengthSec: RECORD_SEC,
              silenceTimeoutMs: 30_000,
            },
          },
        ],
      }),
      "/recorded": () => ({ body: [{ Hangup: {} }] }),
    },
  });
});

after(async () => {
  await baresip?.quit();
  await baresip?.remove();
  await belay?.stop();
  await files?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("POST /Calls rings baresip through the SIP outbound target; it answers, hears Say and Play, and is recorded", async (t) => {
  const { belay: server } = belay.harness;
  const response = await fetch(`${server.publicUrl()}/apiserver/Accounts/${server.account.accountId}/Calls`, {
    method: "POST",
    headers: { authorization: authOf(server), "content-type": "application/json" },
    body: JSON.stringify({ from: NUMBER, to: PEER, applicationId: belay.applicationId }),
  });
  assert.equal(response.status, 202, await response.clone().text());
  const placed = (await response.json()) as Record<string, unknown>;

  try {
    await baresip.nextEvent("CALL_ESTABLISHED", 15_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nbaresip's SIP trace:\n${baresip.log().slice(-6000)}`);
  }
  const connect = await belay.webhook("/connect", 10_000);
  assert.deepEqual([connect.body.callId, connect.body.direction], [placed.callId, "outboundAPI"]);

  const record = await belay.webhook("/recorded", 30_000);
  assert.equal(record.body.termReason, "maxLength", record.rawBody);
  await baresip.nextEvent("CALL_CLOSED", 10_000); // Belay's BYE after the app's Hangup
  const status = await belay.webhook("/status", 10_000);
  assert.equal(status.body.callEndedReason, "appHangup", status.rawBody);

  // What baresip heard: the Say, then the Play, each at full length.
  await baresip.quit();
  const heard = await readWav8k((await baresip.dumps()).heard);
  const say = align(heard, sayPcm, { minLag: 0, minOverlap: sayPcm.length });
  const play = align(heard, playPcm, { minLag: 0, minOverlap: playPcm.length });
  t.diagnostic(
    `baresip heard ${heard.length / 8} ms; Say at ${say.lag / 8} ms, correlation ${say.correlation.toFixed(6)}; ` +
      `Play at ${play.lag / 8} ms, correlation ${play.correlation.toFixed(6)}; ` +
      `Play starts ${(play.lag - say.lag - sayPcm.length) / 8} ms after the Say's last sample`,
  );
  assert.ok(say.correlation > 0.99, `Say heard with correlation ${say.correlation}`);
  assert.ok(play.correlation > 0.99, `Play heard with correlation ${play.correlation}`);
  const gapMs = (play.lag - say.lag - sayPcm.length) / 8;
  assert.ok(gapMs >= 0 && gapMs < 100, `Play follows the Say: ${gapMs} ms between them`);

  // What Belay recorded: the peer's voice.
  const recorded = await belay.recording(record);
  const voice = align(peerVoice, recorded, { minOverlap: 8000 });
  t.diagnostic(
    `recording ${recorded.length / 8} ms; peer's voice at lag ${voice.lag / 8} ms, correlation ${voice.correlation.toFixed(6)}`,
  );
  assert.ok(voice.correlation > 0.99, `the peer's voice recorded with correlation ${voice.correlation}`);
  assert.ok(Math.abs(recorded.length - RECORD_SEC * 8000) <= 160, `${recorded.length / 8} ms recorded`);
});
