import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { decodeUlawBytes, padToPackets, soxToUlaw, speech, streamMismatches, writeWav8k } from "./audio.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";
import { describeSipp, type SippResult, startSipp } from "./sipp.js";

/**
 * A peer that stops sending RTP altogether: sipp streams a short sentence with rtp_stream and then
 * sends nothing (no packets, no comfort noise) while waiting for a BYE. Silence must be timed by
 * Belay's clock, not by arriving packets: RecordUtterance ends with timeout, the app hangs up, and
 * sipp receives the BYE.
 */

const SILENCE_TIMEOUT_MS = 2000;
let belay: SipBelay;
let sipp: SippResult;
let dir: string;
let sent: Int16Array;
let wallMs: number;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-silence-"));
  const wav = await writeWav8k(
    path.join(dir, "caller.wav"),
    padToPackets(await speech("Hello, is anybody there?")),
  );
  const ul = path.join(dir, "caller.ul");
  sent = decodeUlawBytes(await soxToUlaw(wav, ul));
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          {
            RecordUtterance: {
              actionUrl: `${base}/recorded`,
              silenceTimeoutMs: SILENCE_TIMEOUT_MS,
              maxLengthSec: 30,
            },
          },
        ],
      }),
      "/recorded": () => ({ body: [{ Hangup: {} }] }),
    },
  });
  const started = Date.now();
  const run = await startSipp({
    scenario: { file: "uac_pcmu_then_silence.xml", tokens: { CALLER_UL: ul, BYE_WITHIN_MS: "15000" } },
    port: belay.sipPort,
    service: NUMBER,
  });
  sipp = await run.finished;
  wallMs = Date.now() - started;
});

after(async () => {
  await belay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the call does not stall: Belay sends the BYE and sipp answers it", (t) => {
  t.diagnostic(
    `sipp ran ${wallMs} ms for ${sent.length / 8} ms of speech and a ${SILENCE_TIMEOUT_MS} ms silence timeout`,
  );
  assert.equal(sipp.code, 0, describeSipp(sipp));
  assert.match(sipp.messages, /BYE sip:/, "sipp received a BYE");
});

test("RecordUtterance ends with timeout; the recording holds the speech exactly, then about the silence timeout", async (t) => {
  const record = await belay.webhook("/recorded", 5000);
  assert.equal(record.body.termReason, "timeout", record.rawBody);
  const recorded = await belay.recording(record);
  const found = align(sent, recorded, { minOverlap: Math.floor(sent.length / 2) });
  const speechEndsAt = sent.length - found.lag; // recorded sample index where the stream stopped
  const tail = recorded.length - speechEndsAt;
  t.diagnostic(
    `recording ${recorded.length / 8} ms; lag ${found.lag}; correlation ${found.correlation.toFixed(6)}; ` +
      `${tail / 8} ms recorded after the stream stopped`,
  );
  // Through PCMU and back without loss: the recording is the u-law file decoded, exactly, with
  // digital silence before the first packet and after the last.
  assert.ok(found.lag <= 0, `the recording started ${found.lag} samples into the stream`);
  assert.deepEqual(
    streamMismatches(recorded, sent, found.lag, 160),
    [],
    `recording vs the stream at lag ${found.lag}`,
  );
  // The timer runs from the last speech (the sentence ends in its own quiet tail) and the detector
  // holds over 240 ms: the recording ends no later than the timeout after the stream stopped.
  assert.ok(tail <= (SILENCE_TIMEOUT_MS + 500) * 8, `${tail / 8} ms after the stream stopped`);
  assert.ok(recorded.length >= (SILENCE_TIMEOUT_MS - 500) * 8, `${recorded.length / 8} ms recorded`);
});

test("the app's Hangup ends the call: callStatus appHangup", async () => {
  const status = await belay.webhook("/status", 5000);
  assert.equal(status.body.callEndedReason, "appHangup", status.rawBody);
});
