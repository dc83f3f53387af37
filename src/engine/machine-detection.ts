import { MachineDetector, type MachineVerdict } from "../media/amd.js";
import type { MediaBus } from "./media-bus.js";

/**
 * Listens to what an answered callee sends until the detector decides (docs/amd.md): within its
 * 5 s deadline, counted in the callee's own frames, so simulated and real time agree. undefined
 * when the call ended first.
 */
export function detectMachine(media: MediaBus, signal: AbortSignal): Promise<MachineVerdict | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    const detector = new MachineDetector();
    const onAbort = () => {
      stop();
      resolve(undefined);
    };
    const stop = media.onFrame((frame) => {
      const verdict = detector.push(frame);
      if (verdict) {
        stop();
        signal.removeEventListener("abort", onAbort);
        resolve(verdict);
      }
      return verdict === undefined;
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
