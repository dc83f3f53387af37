/**
 * The eSpeak NG worker thread's program, as plain JavaScript run with `new Worker(src, { eval: true })`:
 * a source string needs no TypeScript loader and no separate built file, so it works the same under
 * tsx and from dist/.
 *
 * Why a worker: one synthesis instantiates the WASM module (18 MB, voice data included) and runs
 * espeak's main(), which blocks its thread for ~100 ms; on the main thread that would stall the 20 ms
 * media clock of every call. Why a fresh instance per job: espeak's CLI main() is not meant to run
 * twice in one process, and the module exports nothing else. The compiled WebAssembly.Module is
 * reused, which halves the cost of each instance (measured: ~250 ms → ~120 ms, most of it
 * instantiation; the synthesis itself is ~30 ms).
 *
 * Safety: the text goes through a file in the module's in-memory FS (`-f /in.txt`), never argv, so
 * text such as "-v xx" or "--help" is spoken, not parsed as options. `quit` is overridden so a
 * failing espeak cannot set the host's process.exitCode.
 *
 * Protocol: workerData { moduleUrl, wasmUrl }. Posts { type: "ready" } or { type: "failed", message }
 * once; then, for each { id, voice, text } received, in order, { type: "done", id, wav } (a 22050 Hz
 * mono 16-bit WAV) or { type: "error", id, message }.
 */
export const ESPEAK_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { readFile } = require("node:fs/promises");

const loaded = (async () => {
  const { default: createEspeak } = await import(workerData.moduleUrl);
  const wasm = await WebAssembly.compile(await readFile(new URL(workerData.wasmUrl)));
  return { createEspeak, wasm };
})();

loaded.then(
  () => parentPort.postMessage({ type: "ready" }),
  (err) => parentPort.postMessage({ type: "failed", message: String(err && err.message || err) }),
);

async function synthesize({ id, voice, text }) {
  try {
    const { createEspeak, wasm } = await loaded;
    const errors = [];
    let status = 0;
    const instance = await createEspeak({
      arguments: ["-v", voice, "-w", "/out.wav", "-f", "/in.txt"],
      preRun: [(module) => module.FS.writeFile("/in.txt", text)],
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(wasm, imports).then(
          (created) => receive(created, wasm),
          (err) => parentPort.postMessage({ type: "error", id, message: "instantiate: " + String(err) }),
        );
        return {};
      },
      print() {},
      printErr(line) { errors.push(line); },
      quit(code, toThrow) { status = code; throw toThrow; },
    });
    if (status !== 0) throw new Error(errors[0] || "espeak-ng exited with status " + status);
    const wav = instance.FS.readFile("/out.wav");
    parentPort.postMessage({ type: "done", id, wav }, [wav.buffer]);
  } catch (err) {
    parentPort.postMessage({ type: "error", id, message: String(err && err.message || err) });
  }
}

let queue = Promise.resolve();
parentPort.on("message", (job) => {
  queue = queue.then(() => synthesize(job));
});
`;
