import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { speech, writeWav8k } from "./audio.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";
import { describeSipp, startSipp } from "./sipp.js";

/**
 * INVITEs Belay turns down, seen from sipp: an unknown number gets 404; with maxCalls 1 and
 * baresip's call live, another INVITE gets 503 with Retry-After, and the live call (being recorded)
 * carries on unharmed.
 */

let belay: SipBelay;
let baresip: Baresip;
let dir: string;
let voice: Int16Array;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "belay-interop-reject-"));
  voice = await speech(
    "I am calling about the flat on Elm Street. Is it still available, and could I come and see it " +
      "on Saturday morning? I can be reached on this number all week, thank you very much.",
  );
  belay = await startSipBelay({
    maxCalls: 1,
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

test("an INVITE for a number Belay does not have gets 404", async () => {
  const run = await startSipp({
    scenario: {
      file: "uac_expect_reject.xml",
      tokens: { EXPECT_STATUS: "404", RETRY_AFTER_REQUIRED: "false" },
    },
    port: belay.sipPort,
    service: "+15559999999",
    timeoutSec: 10,
  });
  const result = await run.finished;
  assert.equal(result.code, 0, describeSipp(result));
  assert.equal(belay.app.hits.length, 0, "no webhook for an unknown number");
});

test("beyond maxCalls an INVITE gets 503 with Retry-After, and the live call is recorded unharmed", async (t) => {
  const dialled = await baresip.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`);
  assert.ok(dialled.ok, `baresip refused to dial: ${JSON.stringify(dialled.data)}`);
  await baresip.nextEvent("CALL_ESTABLISHED", 10_000);

  const run = await startSipp({
    scenario: {
      file: "uac_expect_reject.xml",
      tokens: { EXPECT_STATUS: "503", RETRY_AFTER_REQUIRED: "true" },
    },
    port: belay.sipPort,
    service: NUMBER,
    timeoutSec: 10,
  });
  const result = await run.finished;
  assert.equal(result.code, 0, describeSipp(result));
  t.diagnostic(
    `503: ${/SIP\/2\.0 503[^\r\n]*/.exec(result.messages)?.[0]}; ${/Retry-After:[^\r\n]*/i.exec(result.messages)?.[0]}`,
  );

  // The caller goes on talking a little after the refused INVITE, then hangs up.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.ok((await baresip.command("hangup")).ok);
  const record = await belay.webhook("/recorded", 10_000);
  assert.equal(record.body.termReason, "hangup", record.rawBody);
  const recorded = await belay.recording(record);
  const found = align(voice, recorded, { minOverlap: 8000 });
  t.diagnostic(
    `live call's recording ${recorded.length / 8} ms, correlation ${found.correlation.toFixed(6)}`,
  );
  assert.ok(found.correlation > 0.99, `the live call's recording correlates ${found.correlation}`);
  assert.equal(
    belay.app.hits.filter((h) => h.path === "/voice").length,
    1,
    "only baresip's call reached the app",
  );
});
