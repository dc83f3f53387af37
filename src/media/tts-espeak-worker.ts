/**
 * The eSpeak NG worker thread's program, as plain JavaScript run with `new Worker(src, { eval: true })`:
 * a source string needs no TypeScript loader and no separate built file, so it works the same under
 * tsx and from dist/.
 *
 * Why a worker: one synthesis runs espeak's main(), which blocks its thread; on the main thread
 * that would stall the 20 ms media clock of every call. Why a fresh instance per job: espeak's CLI
 * main() is not meant to run twice in one process, and the module exports nothing else. The
 * compiled WebAssembly.Module is reused.
 *
 * Why a warm instance: almost all of a synthesis is main() starting up (instantiating the module,
 * loading the phoneme data and the voice: ~100 ms on an idle core, several times that on a busy
 * one); speaking a sentence takes a few ms. So while idle the worker starts the next instance, for
 * the voice of the last job, and lets it run up to the point where main() reads its text from
 * stdin (`--stdin`, after the voice is set). That read blocks this thread (Atomics.wait) until the
 * next job arrives, and a job for that voice then costs only the speaking. A job for another voice
 * gives the warm instance empty text and runs a fresh instance, as before.
 *
 * Because this thread blocks, jobs come on their own MessagePort, read synchronously
 * (receiveMessageOnPort) after the main thread wakes it through a shared Int32 (`signal`).
 *
 * Safety: the text reaches espeak through stdin, never argv, so text such as "-v xx" or "--help" is
 * spoken, not parsed as options. `quit` is overridden so a failing espeak cannot set the host's
 * process.exitCode.
 *
 * Protocol: workerData { moduleUrl, wasmUrl, jobs: MessagePort, signal: SharedArrayBuffer, voice }.
 * Posts { type: "ready" } or { type: "failed", message } once; then, for each { id, voice, text }
 * received on `jobs`, in order, { type: "done", id, wav } (a 22050 Hz mono 16-bit WAV) or
 * { type: "error", id, message }.
 */
export const ESPEAK_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
const { readFile } = require("node:fs/promises");

const { jobs, voice: firstVoice } = workerData;
const signal = new Int32Array(workerData.signal);
// A safety net only: the main thread notifies after posting each job.
const WAKE_CHECK_MS = 1000;

const loaded = (async () => {
  const { default: createEspeak } = await import(workerData.moduleUrl);
  const wasm = await WebAssembly.compile(await readFile(new URL(workerData.wasmUrl)));
  return { createEspeak, wasm };
})();

/** Blocks this thread until a job is posted on \`jobs\`. */
function nextJob() {
  for (;;) {
    const received = receiveMessageOnPort(jobs);
    if (received) return received.message;
    Atomics.wait(signal, 0, 0, WAKE_CHECK_MS);
    Atomics.store(signal, 0, 0);
  }
}

/** Runs one espeak instance; \`textFor\` is called when main() reads its text, and may block. */
async function speak(voice, textFor) {
  const { createEspeak, wasm } = await loaded;
  const errors = [];
  let status = 0;
  let input;
  let position = 0;
  let failInstantiate;
  const instantiateFailed = new Promise((_, reject) => { failInstantiate = reject; });
  const instance = await Promise.race([
    instantiateFailed,
    createEspeak({
      arguments: ["-v", voice, "-w", "/out.wav", "--stdin"],
      stdin() {
        if (input === undefined) input = Buffer.from(textFor() + "\\n", "utf8");
        return position < input.length ? input[position++] : null;
      },
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(wasm, imports).then(
          (created) => receive(created, wasm),
          (err) => failInstantiate(new Error("instantiate: " + String(err))),
        );
        return {};
      },
      print() {},
      printErr(line) { errors.push(line); },
      quit(code, toThrow) { status = code; throw toThrow; },
    }),
  ]);
  if (status !== 0) throw new Error(errors[0] || "espeak-ng exited with status " + status);
  return instance.FS.readFile("/out.wav");
}

function reply(id, wav, err) {
  if (err) parentPort.postMessage({ type: "error", id, message: String(err && err.message || err) });
  else parentPort.postMessage({ type: "done", id, wav }, [wav.buffer]);
}

async function cold(job) {
  try {
    reply(job.id, await speak(job.voice, () => job.text));
  } catch (err) {
    reply(job.id, undefined, err);
  }
}

async function serve() {
  let voice = firstVoice;
  for (;;) {
    let job;
    let wav;
    let failure;
    try {
      wav = await speak(voice, () => {
        job = nextJob();
        return job.voice === voice ? job.text : "";
      });
    } catch (err) {
      failure = err;
    }
    if (job === undefined) {
      // The warm instance failed before it asked for text: the job runs on a fresh one.
      await cold(nextJob());
    } else if (job.voice === voice) {
      reply(job.id, wav, failure);
    } else {
      await cold(job);
      voice = job.voice;
    }
  }
}

loaded.then(
  () => {
    parentPort.postMessage({ type: "ready" });
    return serve();
  },
  (err) => parentPort.postMessage({ type: "failed", message: String(err && err.message || err) }),
);
`;
