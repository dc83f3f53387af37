import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { readWav8k, speech, writeWav8k } from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";

/**
 * Another codec and packet time both ways: baresip dials in offering PCMA only at 40 ms. Belay
 * must answer PCMA, follow the 40 ms, say its prompt so baresip hears it, and record baresip.
 */

const PROMPT = "Please say your name after the tone.";
let belay: SipBelay;
let baresip: Baresip;
let dir: string;
let voice: Int16Array;
let prompt: Int16Array;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-pcma40-"));
  prompt = await speech(PROMPT);
  voice = await speech(
    "My name is Jordan Ellis, that is E L L I S, and I am calling from the office on Harbour Road " +
      "about the invoice we received on Monday morning.",
  );
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          { Say: { text: PROMPT } },
          { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 2, silenceTimeoutMs: 30_000 } },
        ],
      }),
      // A last prompt pushes the first one's tail through baresip's jitter buffer, then a BYE.
      "/recorded": () => ({ body: [{ Say: { text: "Thank you." } }, { Hangup: {} }] }),
    },
  });
  baresip = await startBaresip({
    source: { wav: await writeWav8k(path.join(dir, "voice.wav"), voice) },
    codecs: "pcma",
    ptimeMs: 40,
  });
});

after(async () => {
  await baresip?.quit();
  await baresip?.remove();
  await belay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("PCMA at 40 ms: Belay answers PCMA with ptime 40, baresip hears the prompt, Belay records baresip", async (t) => {
  assert.ok((await baresip.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`)).ok);
  await baresip.nextEvent("CALL_ESTABLISHED", 10_000);
  const answer = await baresip.waitForTrace(
    (trace) => trace.find((e) => e.direction === "received" && e.startLine.startsWith("SIP/2.0 200"))?.text,
    5000,
    "Belay's 200 to the INVITE",
  );
  assert.match(answer, /\r?\nm=audio \d+ RTP\/AVP 8[ \r\n]/, "the answer's first format is PCMA");
  assert.match(answer, /\r?\na=ptime:40\r?\n/, "the answer follows the 40 ms packet time");

  const record = await belay.webhook("/recorded", 15_000);
  await baresip.nextEvent("CALL_CLOSED", 10_000);
  await baresip.quit();
  const heard = await readWav8k((await baresip.dumps()).heard);
  const said = align(heard, prompt, { minLag: 0, minOverlap: prompt.length });
  const recorded = await belay.recording(record);
  const spoke = align(voice, recorded, { minOverlap: 4000 });
  t.diagnostic(
    `prompt heard at ${said.lag / 8} ms, correlation ${said.correlation.toFixed(6)}; ` +
      `recording ${recorded.length / 8} ms, correlation ${spoke.correlation.toFixed(6)}`,
  );
  assert.ok(said.correlation > 0.99, `the prompt heard with correlation ${said.correlation}`);
  assert.ok(spoke.correlation > 0.99, `baresip recorded with correlation ${spoke.correlation}`);
  assert.equal(record.body.termReason, "maxLength");
});
