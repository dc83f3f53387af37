import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { encodeWav } from "../../src/media/wav-write.js";
import { sine, toInt16 } from "../media/signals.js";
import {
  appUrl,
  assertEnded,
  type CallRun,
  EngineHarness,
  eventsOf,
  onlyRequest,
  PUBLIC_URL,
  talking,
} from "./harness.js";

/** 0.75 s of 440 Hz: 6000 samples, 38 frames. */
const TONE = toInt16(sine(440, 8000, 0.75, 8000));
const TONE_MS = Math.ceil(TONE.length / FRAME_SAMPLES) * FRAME_MS;

let h: EngineHarness;
let server: Server;
let files: string;
const served: string[] = [];

before(async () => {
  h = await EngineHarness.open();
  // Play fetches over real HTTP: a file server on 127.0.0.1.
  server = createServer((request, response) => {
    served.push(request.url ?? "");
    if (request.url === "/tone.wav") {
      response.writeHead(200, { "Content-Type": "audio/wav" }).end(encodeWav(TONE));
    } else if (request.url === "/tone-16k.wav") {
      response
        .writeHead(200, { "Content-Type": "audio/wav" })
        .end(encodeWav(toInt16(sine(440, 16000, 0.5, 8000)), 16000));
    } else if (request.url === "/not-a-wav") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("hello");
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  files = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  await h.close();
});

const THEN_DIGIT = { SendDigits: { digits: "1" } };

function play(file: string, extra: Record<string, unknown> = {}): Promise<CallRun> {
  return h.runCall({ routes: { "/voice": () => [{ Play: { file, ...extra } }, THEN_DIGIT] } });
}

/** Records `ms` of the caller in a call of its own; returns the record webhook's recordingUrl. */
async function makeRecording(privacyMode: boolean): Promise<{ url: string; samples: number }> {
  const run = await h.runCall({
    routes: {
      "/voice": () => [{ RecordUtterance: { actionUrl: appUrl("/rec"), finishOnKey: "#", privacyMode } }],
      "/rec": () => [{ Hangup: {} }],
    },
    caller: { audio: talking(2000), dtmf: [{ keys: "#", atMs: 1210 }] },
  });
  const body = onlyRequest(run, "record").body;
  return { url: body.recordingUrl as string, samples: (1200 * 8000) / 1000 };
}

test("plays a WAV fetched over HTTP, then the next command", async () => {
  const run = await play(`${files}/tone.wav`);
  assert.deepEqual(run.leg.heard, [{ atMs: 0, samples: TONE.length }]);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: TONE_MS }]);
  assertEnded(run, "appHangup", "completed");
});

test("a 16 kHz WAV is played at 8 kHz", async () => {
  const run = await play(`${files}/tone-16k.wav`);
  assert.deepEqual(run.leg.heard, [{ atMs: 0, samples: 4000 }]);
});

test("loop 2 plays the file twice", async () => {
  const run = await play(`${files}/tone.wav`, { loop: 2 });
  assert.deepEqual(run.leg.heard, [
    { atMs: 0, samples: TONE.length },
    { atMs: TONE_MS, samples: TONE.length },
  ]);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 2 * TONE_MS }]);
});

test("a file that 404s is skipped with an error on the timeline; the script goes on", async () => {
  const run = await play(`${files}/missing.wav`);
  assert.deepEqual(run.leg.heard, []);
  const [error] = eventsOf(run, "error");
  assert.match(error?.message ?? "", /Play skipped: .*missing\.wav.*404/);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 0 }]);
  assertEnded(run, "appHangup", "completed");
});

test("a file that is not a WAV is skipped", async () => {
  const run = await play(`${files}/not-a-wav`);
  assert.deepEqual(run.leg.heard, []);
  assert.match(eventsOf(run, "error")[0]?.message ?? "", /Play skipped/);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 0 }]);
});

test("a recordingUrl of this account plays from the store, without HTTP or credentials", async () => {
  const { url, samples } = await makeRecording(false);
  // The public URL's host (belay.test) does not resolve: only an internal lookup can play it.
  assert.ok(url.startsWith(`${PUBLIC_URL}/apiserver/Accounts/${h.accountId}/Recordings/RE`));
  const fetched = served.length;
  const run = await play(url);
  assert.deepEqual(run.leg.heard, [{ atMs: 0, samples }]);
  assert.deepEqual(eventsOf(run, "error"), []);
  assert.equal(served.length, fetched);
});

test("a privacyMode recording is refused: an error on the timeline, and the script goes on", async () => {
  const { url } = await makeRecording(true);
  const run = await play(url);
  assert.deepEqual(run.leg.heard, []);
  assert.match(eventsOf(run, "error")[0]?.message ?? "", /Play skipped: .*privacyMode/);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 0 }]);
  assertEnded(run, "appHangup", "completed");
});

test("another account's recordingUrl is not found", async () => {
  const { url } = await makeRecording(false);
  const foreign = url.replace(h.accountId, newId("AC"));
  const run = await play(foreign);
  assert.deepEqual(run.leg.heard, []);
  assert.match(eventsOf(run, "error")[0]?.message ?? "", /does not exist/);
});
