import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { speech, writeWav8k } from "./audio.js";
import { type Baresip, type SipTraceEntry, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";

/**
 * Hold and resume with a real phone: baresip's `hold` sends a re-INVITE with a=sendonly and its
 * `resume` one with a=sendrecv, in the dialog of a call Belay is recording. Belay must answer each
 * with 200 and the matching direction (recvonly, then sendrecv), and keep recording throughout, its clock running on;
 * baresip, for its part, stops sending while it holds.
 */

let belay: SipBelay;
let baresip: Baresip;
let dir: string;
let voice: Int16Array;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-hold-"));
  voice = await speech(
    "One moment, let me put you on hold while I check. Right, I am back, thank you for waiting, " +
      "the parcel left the depot this morning and should arrive with you before five.",
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
  await belay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const HOLD_MS = 1500;

/** The longest stretch of samples that are exactly 0. */
function longestZeroRun(pcm: Int16Array): { start: number; end: number } {
  let best = { start: 0, end: 0 };
  let start = -1;
  for (let i = 0; i <= pcm.length; i++) {
    if (i < pcm.length && pcm[i] === 0) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start > best.end - best.start) best = { start, end: i };
      start = -1;
    }
  }
  return best;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)); // the caller's pace

/**
 * Belay's final response to the re-INVITE baresip sent with `a=<direction>` (the first INVITE
 * offers sendrecv too: only INVITEs after the first count): its start line and its direction.
 */
function answerTo(direction: string): Promise<string> {
  const isFinal = (e: SipTraceEntry) =>
    e.direction === "received" && /^SIP\/2\.0 [2-6]\d\d/.test(e.startLine);
  return baresip.waitForTrace(
    (trace) => {
      const invites = trace.filter((e) => e.direction === "sent" && e.startLine.startsWith("INVITE "));
      const reinvite = invites.slice(1).findLast((e) => e.text.includes(`a=${direction}`));
      if (!reinvite) return undefined;
      const response = trace.slice(trace.indexOf(reinvite) + 1).find(isFinal);
      if (!response) return undefined;
      return `${response.startLine} ${/a=(sendrecv|sendonly|recvonly|inactive)/.exec(response.text)?.[0]}`;
    },
    5000,
    `the answer to the ${direction} re-INVITE`,
  );
}

test("a re-INVITE to hold gets 200 recvonly, one to resume 200 sendrecv; the recording runs on through both", async (t) => {
  assert.ok((await baresip.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`)).ok);
  await baresip.nextEvent("CALL_ESTABLISHED", 10_000);
  await pause(1500);
  assert.ok((await baresip.command("hold")).ok);
  const held = await answerTo("sendonly");
  await pause(HOLD_MS);
  assert.ok((await baresip.command("resume")).ok);
  const resumed = await answerTo("sendrecv");
  t.diagnostic(`hold answered: ${held}; resume answered: ${resumed}`);
  assert.equal(held, "SIP/2.0 200 OK a=recvonly");
  assert.equal(resumed, "SIP/2.0 200 OK a=sendrecv");
  await pause(1500);
  assert.ok((await baresip.command("hangup")).ok);

  const record = await belay.webhook("/recorded", 10_000);
  assert.equal(record.body.termReason, "hangup", record.rawBody);
  const recorded = await belay.recording(record);
  // baresip stops sending while it holds (152 packets in a 4.5 s call, not 225) though it offered
  // sendonly: the recording must be its voice at one lag before the hold and after the resume
  // (Belay's time ran on), with digital silence where no packets came.
  const gap = longestZeroRun(recorded);
  const before = align(voice, recorded.subarray(0, gap.start), { minOverlap: Math.floor(gap.start / 2) });
  const afterResume = align(voice, recorded.subarray(gap.end), {
    minOverlap: Math.floor((recorded.length - gap.end) / 2),
  });
  const afterLag = afterResume.lag - gap.end; // as a lag of the whole recording
  t.diagnostic(
    `recording ${recorded.length / 8} ms; silent ${gap.start / 8}–${gap.end / 8} ms while held; ` +
      `before: lag ${before.lag}, correlation ${before.correlation.toFixed(6)}; ` +
      `after: lag ${afterLag}, correlation ${afterResume.correlation.toFixed(6)}`,
  );
  assert.ok(
    (gap.end - gap.start) / 8 >= HOLD_MS - 500,
    `${(gap.end - gap.start) / 8} ms of silence for ${HOLD_MS} ms held`,
  );
  assert.ok(
    (gap.end - gap.start) / 8 <= HOLD_MS + 500,
    `${(gap.end - gap.start) / 8} ms of silence for ${HOLD_MS} ms held`,
  );
  assert.ok(before.correlation > 0.99, `before the hold: correlation ${before.correlation}`);
  assert.ok(afterResume.correlation > 0.99, `after the resume: correlation ${afterResume.correlation}`);
  assert.ok(
    Math.abs(afterLag - before.lag) <= 320,
    `the voice moved by ${(afterLag - before.lag) / 8} ms across the hold`,
  );
  assert.ok(recorded.length / 8 > 4000, `${recorded.length / 8} ms recorded: the whole call`);
});
