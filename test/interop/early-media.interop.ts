import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { decodeUlaw, encodeUlaw } from "../../src/media/g711.js";
import { encodeWav } from "../../src/media/wav-write.js";
import { sine, toInt16, whiteNoise } from "../media/signals.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { within } from "./process.js";
import { indexOfSamples, RtpListener } from "./rtp-listener.js";
import { describeSipp, type SippResult, startSipp } from "./sipp.js";

/**
 * PlayEarlyMedia heard by a real caller before the call is answered. sipp calls with its SDP
 * pointing at the test's own RTP socket and requires a 183 before the 200. The app's PerCL is
 * [PlayEarlyMedia, Redirect]: the redirect webhook is answered only once the socket has received
 * the whole early file, and only the script it returns answers the call. So the 200 cannot have
 * been sent before the early audio arrived: ordering proven without a sleep.
 */

/** 0.8 s of noise: every sample distinct, compared exactly after PCMU. */
const EARLY = toInt16(whiteNoise(6400, -12, 5));
/** What the call plays once answered: 0.4 s of 1 kHz. */
const AFTER = toInt16(sine(1000, 8000, 0.4, 8000));
const throughPcmu = (pcm: Int16Array) => decodeUlaw(encodeUlaw(pcm));

let belay: SipBelay;
let files: Server;
let base: string;
let rtp: RtpListener;
let sipp: SippResult;
/** What the test had seen when it let the redirect webhook answer. */
let atRedirect: { earlyAt: number; messages: string } | undefined;
let messagesFile = "";

before(async () => {
  rtp = await RtpListener.open();
  // The early file, the answered one, and the redirect held until the early audio has arrived.
  files = createServer((request, response) => {
    if (request.url === "/early.wav" || request.url === "/after.wav") {
      const pcm = request.url === "/early.wav" ? EARLY : AFTER;
      response.writeHead(200, { "Content-Type": "audio/wav" }).end(encodeWav(pcm));
      return;
    }
    if (request.url !== "/next") return void response.writeHead(404).end();
    const expected = throughPcmu(EARLY);
    const found = () => indexOfSamples(rtp.audio(), expected);
    within(
      10_000,
      "the early audio on the caller's RTP socket",
      rtp.until(() => found() >= 0),
    )
      .then(async () => {
        atRedirect = { earlyAt: found(), messages: await readFile(messagesFile, "utf8").catch(() => "") };
        const percl = [{ Play: { file: `${base}/after.wav` } }];
        response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(percl));
      })
      .catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  belay = await startSipBelay({
    routes: {
      "/voice": () => ({
        body: [
          { PlayEarlyMedia: { file: `${base}/early.wav` } },
          { Redirect: { actionUrl: `${base}/next` } },
        ],
      }),
    },
  });
  const run = await startSipp({
    scenario: { file: "uac_early_media.xml", tokens: { RTP_PORT: String(rtp.port), BYE_WITHIN_MS: "15000" } },
    port: belay.sipPort,
    service: NUMBER,
  });
  messagesFile = run.messagesFile;
  sipp = await run.finished;
});

after(async () => {
  await belay?.stop();
  await rtp?.close();
  if (files) {
    files.closeAllConnections();
    await new Promise((resolve) => files.close(resolve));
  }
});

/** The SIP messages sipp received, in order, from its -trace_msg log. */
function receivedMessages(log: string): string[] {
  return log
    .split(/^-{20,}.*$/m)
    .filter((chunk) => /message received/i.test(chunk))
    .map((chunk) => chunk.slice(chunk.search(/^(SIP\/2\.0|[A-Z]+ sip:)/m)).trim());
}

const statusOf = (message: string) => Number(/^SIP\/2\.0 (\d{3})/.exec(message)?.[1] ?? 0);
const header = (message: string, name: string) =>
  new RegExp(`^${name}:\\s*(.*)$`, "im").exec(message)?.[1]?.trim() ?? "";
const body = (message: string) =>
  message
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join("\n\n")
    .trim();

test("sipp received 183 with SDP, then the 200 with the same SDP and To tag", () => {
  assert.equal(sipp.code, 0, describeSipp(sipp));
  const received = receivedMessages(sipp.messages);
  const progress = received.find((m) => statusOf(m) === 183);
  const ok = received.find((m) => statusOf(m) === 200 && /^CSeq:\s*1 INVITE/im.test(m));
  assert.ok(progress && ok, describeSipp(sipp));
  assert.ok(received.indexOf(progress) < received.indexOf(ok), "the 183 came before the 200");
  assert.equal(header(progress, "Content-Type"), "application/sdp");
  assert.match(body(progress), /^m=audio \d+ RTP\/AVP 0/m);
  assert.equal(body(progress), body(ok), "one offer/answer: the 200 repeats the 183's SDP, same o= version");
  const tag = (m: string) => /;tag=([^;\s]+)/.exec(header(m, "To"))?.[1];
  assert.ok(tag(progress));
  assert.equal(tag(progress), tag(ok));
  assert.equal(header(progress, "Require"), "", "no 100rel: the 183 is sent unreliably");
});

test("the early audio reached the caller's RTP socket before the 200 OK was sent", () => {
  assert.ok(atRedirect, "the redirect webhook came, after the early audio arrived");
  assert.ok(atRedirect.earlyAt >= 0);
  // What sipp had logged when the webhook was let go: never a 200 to the INVITE.
  const logged = receivedMessages(atRedirect.messages);
  assert.deepEqual(
    logged.map(statusOf).filter((status) => status >= 183),
    [183],
    "sipp had the 183 and no 200 when the early audio had arrived",
  );
});

test("the caller heard the early file exactly, then the answered call's Play", () => {
  const heard = rtp.audio();
  const earlyAt = indexOfSamples(heard, throughPcmu(EARLY));
  assert.ok(earlyAt >= 0, "the early file, sample for sample through PCMU");
  const afterAt = indexOfSamples(heard, throughPcmu(AFTER), earlyAt + EARLY.length);
  assert.ok(afterAt >= earlyAt + EARLY.length, "the Play after the answer, after the early audio");
});

test("the call was answered after its early media and ended by the app", async () => {
  const status = await belay.webhook("/status", 5000);
  assert.equal(status.body.callEndedReason, "appHangup", status.rawBody);
  assert.equal(status.body.callStatus, "completed");
});
