import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { padToPackets, soxToUlaw, speech, writeWav8k } from "./audio.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { describeSipp, type SippResult, startSipp } from "./sipp.js";

/**
 * sipp offering PCMU at 20 ms with telephone-event on 101: 3 s of speech (a u-law file sox made from
 * Belay's own TTS), then RFC 4733 digits 1 2 3 # from sipp's bundled captures, 300 ms apart, each
 * its own SSRC-sharing, sequence-jumping burst. GetDigits with finishOnKey # must return 123.
 */

const TALK_MS = 3000;
let belay: SipBelay;
let sipp: SippResult;
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-digits-"));
  const wav = await writeWav8k(
    path.join(dir, "caller.wav"),
    padToPackets(await speech("I would like to pay my bill. My account number is one two three.")),
  );
  const ul = path.join(dir, "caller.ul");
  await soxToUlaw(wav, ul);
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          {
            GetDigits: {
              actionUrl: `${base}/digits`,
              finishOnKey: "#",
              initialTimeoutMs: 15_000,
              digitTimeoutMs: 5000,
              maxDigits: 10,
            },
          },
        ],
      }),
      "/digits": () => ({ body: [{ Pause: { length: 10_000 } }] }),
    },
  });
  const run = await startSipp({
    scenario: {
      file: "uac_pcmu_dtmf.xml",
      tokens: { CALLER_UL: ul, TALK_MS: String(TALK_MS), AFTER_DIGITS_MS: "1000" },
    },
    port: belay.sipPort,
    service: NUMBER,
  });
  sipp = await run.finished;
});

after(async () => {
  await belay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("sipp completes its scenario against Belay", () => {
  assert.equal(sipp.code, 0, describeSipp(sipp));
});

test("GetDigits returns 123 with reason finishKey", async () => {
  const hit = await belay.webhook("/digits", 5000);
  assert.equal(hit.body.requestType, "getDigits");
  assert.deepEqual([hit.body.digits, hit.body.reason], ["123", "finishKey"], hit.rawBody);
  assert.equal(hit.body.to, NUMBER);
});

test("the call ends with sipp's BYE", async () => {
  const status = await belay.webhook("/status", 5000);
  assert.equal(status.body.callEndedReason, "farEndHangup", status.rawBody);
});
