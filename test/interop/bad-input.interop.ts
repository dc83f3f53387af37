import assert from "node:assert/strict";
import dgram from "node:dgram";
import { watch } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { pcapAudio, streamMismatches } from "./audio.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { align } from "./correlate.js";
import { within } from "./process.js";
import { describeSipp, type SippResult, startSipp } from "./sipp.js";

/**
 * Bad input while a real call runs: sipp's uac_pcap call is recorded while a stranger on another
 * port throws garbage at Belay's SIP port (noise, a truncated request, a huge datagram, a response
 * for no transaction, a request with a bad Max-Forwards that deserves a 400) and at the call's RTP
 * port (noise, RTP with another SSRC, an unknown payload type, absurd sizes). Nothing reaches the
 * recording, which must still be the pcap's audio exactly, and the process answers as before.
 */

let belay: SipBelay;
let sipp: SippResult;
let stranger: dgram.Socket;
const received: string[] = [];
const sent = { sip: 0, rtp: 0 };

/** Resolves with the file's text once `find` returns something for it (fs.watch, bounded). */
async function whenFile<T>(file: string, find: (text: string) => T | undefined, ms: number): Promise<T> {
  return within(
    ms,
    `${file} to show what the test waits for`,
    new Promise<T>((resolve) => {
      // The folder, not the file: sipp creates the file once it has something to write.
      const watcher = watch(path.dirname(file), () => void check());
      const check = async () => {
        const found = find(await readFile(file, "utf8").catch(() => ""));
        if (found !== undefined) {
          watcher.close();
          resolve(found);
        }
      };
      void check();
    }),
  );
}

function rtp(payloadType: number, sequence: number, ssrc: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = payloadType;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE((sequence * 240) >>> 0, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

before(async () => {
  belay = await startSipBelay({
    routes: {
      "/voice": (_hit, base) => ({
        body: [
          { RecordUtterance: { actionUrl: `${base}/recorded`, finishOnKey: "1", silenceTimeoutMs: 30_000 } },
        ],
      }),
      "/recorded": () => ({ body: [{ Pause: { length: 10_000 } }] }),
    },
  });
  stranger = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => stranger.bind(0, "127.0.0.1", resolve));
  stranger.on("message", (message) => received.push(message.toString("latin1")));
  const strangerPort = stranger.address().port;
  const send = (bytes: Uint8Array, port: number) => stranger.send(bytes, port, "127.0.0.1");

  const run = await startSipp({ scenario: { builtin: "uac_pcap" }, port: belay.sipPort, service: NUMBER });
  // Belay's RTP port from its 200 OK, once sipp has ACKed it (sipp starts its pcap right after).
  const rtpPort = await whenFile(
    run.messagesFile,
    (text) => {
      const afterOk = text.split("SIP/2.0 200 OK")[1];
      const port = afterOk && /\nACK sip:/.test(afterOk) ? /\nm=audio (\d+) /.exec(afterOk)?.[1] : undefined;
      return port === undefined ? undefined : Number(port);
    },
    10_000,
  );
  const junkSip: Uint8Array[] = [
    Buffer.from("\x00\x01\x02 not SIP at all \xff\xfe"),
    Buffer.from("INVITE sip:+15550002222@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1"),
    Buffer.alloc(60_000, 0x41),
    Buffer.from(
      `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:${strangerPort};branch=z9hG4bKnone\r\nFrom: <sip:a@b>;tag=1\r\n` +
        "To: <sip:c@d>;tag=2\r\nCall-ID: nobody\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    ),
    Buffer.from(
      `OPTIONS sip:${NUMBER}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${strangerPort};branch=z9hG4bKbadmf\r\n` +
        "From: <sip:stranger@127.0.0.1>;tag=9\r\nTo: <sip:belay@127.0.0.1>\r\nCall-ID: bad-max-forwards\r\n" +
        "CSeq: 1 OPTIONS\r\nMax-Forwards: many\r\nContent-Length: 0\r\n\r\n",
    ),
    Buffer.from("\r\n\r\n"),
  ];
  const junkRtp = (i: number): Uint8Array[] => [
    Buffer.from(`garbage ${i}`),
    rtp(8, 1000 + i, 0x5eed, Buffer.alloc(240, 0x2a)), // loud, well-formed PCMA from the wrong address
    rtp(99, 2000 + i, 0x5eed, Buffer.alloc(160, 0x11)),
    rtp(8, 3000 + i, 0x5eed, Buffer.alloc(1400, 0x2a)),
    Buffer.from([0x80]),
  ];
  // The stranger keeps at it through the call, every 50 ms, for 3 s.
  for (let i = 0; i < 60; i++) {
    if (i % 10 === 0) {
      for (const bytes of junkSip) send(bytes, belay.sipPort);
      sent.sip += junkSip.length;
    }
    const rtpJunk = junkRtp(i);
    for (const bytes of rtpJunk) send(bytes, rtpPort);
    sent.rtp += rtpJunk.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  sipp = await run.finished;
});

after(async () => {
  stranger?.close();
  await belay?.stop();
});

test("sipp's call completes while the stranger sends junk", (t) => {
  t.diagnostic(`the stranger sent ${sent.sip} datagrams to the SIP port and ${sent.rtp} to the RTP port`);
  assert.equal(sipp.code, 0, describeSipp(sipp));
});

test("the recording is still the pcap's audio, sample for sample", async () => {
  const record = await belay.webhook("/recorded", 5000);
  assert.equal(record.body.termReason, "finishKey", record.rawBody);
  const recorded = await belay.recording(record);
  const { pcm } = await pcapAudio();
  const found = align(pcm, recorded, { minOverlap: 8000 });
  assert.deepEqual(
    streamMismatches(recorded, pcm, found.lag, 240),
    [],
    `recording vs pcap at lag ${found.lag}`,
  );
});

test("the routable malformed request got a 400 saying why; nothing else was answered", (t) => {
  const answers = received.map((m) => m.split("\r\n")[0] ?? "");
  t.diagnostic(`answers to the stranger: ${[...new Set(answers)].join(" | ")} (${answers.length})`);
  assert.ok(
    received.some(
      (m) => /^SIP\/2\.0 400 [^\r\n]*Max-Forwards/i.test(m) && m.includes("Call-ID: bad-max-forwards"),
    ),
    `responses: ${answers.join(" | ") || "none"}`,
  );
  assert.ok(
    answers.every((line) => /^SIP\/2\.0 400 /.test(line)),
    `responses: ${answers.join(" | ")}`,
  );
});
