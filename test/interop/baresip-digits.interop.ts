import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { speech, writeWav8k } from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";

/**
 * baresip's RFC 4733 digits: unlike sipp's bundled pcaps they share the audio's SSRC and come in
 * the middle of its audio stream. The app prompts with Say inside GetDigits (so Belay sends while
 * it listens), baresip keys 4 2 # one at a time through ctrl_tcp, and the app hangs up.
 */

let belay: SipBelay;
let baresip: Baresip;
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-bs-digits-"));
  const wav = await writeWav8k(
    path.join(dir, "voice.wav"),
    await speech("Let me find my card. Just a moment please, I have it here somewhere. Here it is."),
  );
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          {
            GetDigits: {
              actionUrl: `${base}/digits`,
              prompts: [{ Say: { text: "Enter your code, then press pound." } }],
              finishOnKey: "#",
              initialTimeoutMs: 15_000,
              digitTimeoutMs: 5000,
            },
          },
        ],
      }),
      "/digits": () => ({ body: [{ Hangup: {} }] }),
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

test("digits keyed on baresip during its audio reach GetDigits: 42, finishKey; Belay's BYE ends the call", async () => {
  const dialled = await baresip.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`);
  assert.ok(dialled.ok, `baresip refused to dial: ${JSON.stringify(dialled.data)}`);
  try {
    await baresip.nextEvent("CALL_ESTABLISHED", 10_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nbaresip's SIP trace:\n${baresip.log().slice(-6000)}`);
  }
  // One key per command, as a person presses them: baresip sends each key's start and end events.
  for (const key of "42#") {
    const sent = await baresip.command("sndcode", key);
    assert.ok(sent.ok, `sndcode ${key}: ${JSON.stringify(sent.data)}`);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the keypress rhythm, not a wait on Belay
  }
  const hit = await belay.webhook("/digits", 10_000);
  assert.deepEqual([hit.body.digits, hit.body.reason], ["42", "finishKey"], hit.rawBody);
  await baresip.nextEvent("CALL_CLOSED", 10_000);
  const status = await belay.webhook("/status", 5000);
  assert.equal(status.body.callEndedReason, "appHangup", status.rawBody);
});
