import assert from "node:assert/strict";
import { test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { MediaWorkers } from "../../src/legs/sip/rtp/worker/media-workers.js";
import { captureLogger, HOST, Peer, plan } from "./rtp-harness.js";

/** Throws out of the worker's event loop when it is asked to play: an uncaught error, as a bug would throw. */
const CRASH_ON_PLAY = `data:text/javascript,${encodeURIComponent(`
import { parentPort } from "node:worker_threads";
parentPort.on("message", (message) => {
  if (message.t === "play") setImmediate(() => { throw new Error("boom"); });
});
`)}`;

test("a media worker's uncaught error fails its calls with RTP_WORKER_FAILED; the next call gets a fresh worker", async () => {
  const { logger, lines } = captureLogger();
  const workers = new MediaWorkers({
    count: 1,
    host: HOST,
    portRange: { min: 41500, max: 41599 },
    logger,
    imports: [CRASH_ON_PLAY],
  });
  const peer = await Peer.open();
  try {
    const media = await workers.open(logger);
    media.configure(plan(peer));
    let failed: unknown;
    media.start({ frame() {}, digit() {}, failed: (err) => (failed = err) });

    const playing = media.play(new Int16Array(8000), new AbortController().signal);
    await assert.rejects(
      playing,
      (err: unknown) =>
        isBelayError(err, "RTP_WORKER_FAILED") && (err.cause as Error | undefined)?.message === "boom",
    );
    assert.ok(isBelayError(failed, "RTP_WORKER_FAILED"), "the call is told its media is gone");
    const line = lines.find((l) => l.msg === "a media worker failed; its calls lose their audio and end");
    assert.equal(line?.level, 50);
    assert.equal((line as unknown as { calls: number }).calls, 1);

    const next = await workers.open(logger);
    assert.ok(next.localPort >= 41500 && next.localPort <= 41599);
    assert.equal(next.localPort === media.localPort, false, "the port cursor moved on");
    const stats = await next.close();
    assert.equal(stats.packetsSent, 0);
  } finally {
    await workers.close();
    peer.close();
  }
});
