/**
 * Imported into a media worker by tests (MediaWorkersOptions.imports): a digits operation for
 * "exit" ends the worker's thread on the spot, as a crash in it would. Its listener is added
 * before the worker's own, so the worker never sees that message.
 */
import { parentPort } from "node:worker_threads";

export const EXIT_DIGITS = "exit";

parentPort?.on("message", (message: { t?: string; digits?: string }) => {
  if (message.t === "digits" && message.digits === EXIT_DIGITS) process.exit(7);
});
