import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { pcapAudio, streamMismatches } from "./audio.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";
import { describeSipp, type SippResult, startSipp } from "./sipp.js";

/**
 * sipp's built-in uac_pcap: an INVITE offering PCMA only, then g711a.pcap replayed as recorded
 * (PCMA, 30 ms packets, 7.08 s), RFC 2833 digit 1 at 8 s, BYE at 9 s. The app records with
 * finishOnKey 1: Belay must store exactly the samples the pcap carries. Pcap replay needs root.
 */

let belay: SipBelay;
let sipp: SippResult;

before(async () => {
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          {
            RecordUtterance: {
              actionUrl: `${base}/recorded`,
              finishOnKey: "1",
              silenceTimeoutMs: 30_000,
              maxLengthSec: 60,
            },
          },
        ],
      }),
      // Long enough that sipp's BYE, 1 s after the digit, ends the call.
      "/recorded": () => ({ body: [{ Pause: { length: 10_000 } }] }),
    },
  });
  // The Request-URI user without the +: Belay normalises it to E.164.
  const run = await startSipp({
    scenario: { builtin: "uac_pcap" },
    port: belay.sipPort,
    service: NUMBER.slice(1),
  });
  sipp = await run.finished;
});

after(async () => {
  await belay?.stop();
});

test("sipp completes its scenario: 200 to the INVITE, 200 to its BYE", () => {
  assert.equal(sipp.code, 0, describeSipp(sipp));
});

test("the record webhook ends on the finish key 1, and the recording is the pcap's audio, sample for sample", async (t) => {
  const record = await belay.webhook("/recorded", 5000);
  assert.equal(record.body.requestType, "record");
  assert.equal(record.body.termReason, "finishKey", record.rawBody);
  const recorded = await belay.recording(record);
  const { pcm } = await pcapAudio();
  // Recording starts when the command starts, which answers the call: sipp replays after the ACK,
  // so the recording is silence up to the first packet, then the stream, then silence until the
  // digit's frame. recorded[i] must be pcm[i + lag] inside the stream and 0 outside it.
  const found = align(pcm, recorded, { minOverlap: 8000 });
  t.diagnostic(
    `recording ${recorded.length} samples (${recorded.length / 8} ms); pcap ${pcm.length}; lag ${found.lag} ` +
      `(${-found.lag / 8} ms from recording start to the first packet); correlation ${found.correlation.toFixed(6)}`,
  );
  assert.ok(found.lag <= 0, `the recording started ${found.lag} samples into the stream: audio is missing`);
  assert.ok(
    recorded.length >= pcm.length - found.lag,
    `the recording (${recorded.length}) ends before the stream does (${pcm.length - found.lag})`,
  );
  assert.deepEqual(
    streamMismatches(recorded, pcm, found.lag, 240),
    [],
    `the recording differs from the pcap at lag ${found.lag}`,
  );
  assert.equal(record.body.recordingDurationSec, Math.ceil(recorded.length / 8000));
});

test("the inbound call reached the number's app: to is the E.164 number, from the From user", async () => {
  const inbound = await belay.webhook("/voice", 5000);
  assert.equal(inbound.body.requestType, "inboundCall");
  assert.equal(inbound.body.direction, "inbound");
  assert.deepEqual([inbound.body.to, inbound.body.from], [NUMBER, "sipp"], inbound.rawBody);
});

test("the call ends with sipp's BYE: callStatus farEndHangup", async () => {
  const status = await belay.webhook("/status", 5000);
  assert.equal(status.body.callEndedReason, "farEndHangup", status.rawBody);
});
