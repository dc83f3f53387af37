/**
 * The media benchmark's RTP handling-delay probe (bench/lib/rtp-emit-wrap.ts), wherever Belay's RTP
 * sockets are: in this thread when Belay runs its RTP on the main thread, or in each media worker,
 * which imports rtp-delay-probe-worker.ts and reports back over a BroadcastChannel when stopped.
 */
import { BroadcastChannel } from "node:worker_threads";
import { wrapRtpEmit } from "./rtp-emit-wrap.js";

export const PROBE_CHANNEL = "belay-bench-rtp-delay-probe";
export type ProbeCommand =
  | { cmd: "start"; sampleEvery: number }
  | { cmd: "stop"; stop: number }
  | { cmd: "clear" };
export interface ProbeReport {
  stopped: number;
  packets: number;
  handled: Array<[number, number]>;
}

/** What media workers import to carry the probe (pass as config.mediaWorkerImports). */
export const PROBE_WORKER_MODULE = new URL("./rtp-delay-probe-worker.ts", import.meta.url).href;

export interface RtpDelayProbe {
  /** SSRC × 65536 + sequence → wall time the listener returned. */
  readonly handledAt: Map<number, number>;
  /** RTP datagrams handled between start() and stop(). */
  readonly packets: number;
  start(): void;
  /** Resolves once every thread carrying the probe has reported. */
  stop(): Promise<void>;
  clear(): void;
}

/** `workers`: how many media workers carry the probe; 0 when Belay's RTP is on this thread. */
export function installRtpDelayProbe(sampleEvery: number, workers: number): RtpDelayProbe {
  if (workers === 0) {
    const state = wrapRtpEmit(sampleEvery);
    return {
      handledAt: state.handledAt,
      get packets() {
        return state.packets;
      },
      start() {
        state.packets = 0;
        state.on = true;
      },
      async stop() {
        state.on = false;
      },
      clear() {
        state.handledAt.clear();
      },
    };
  }
  const channel = new BroadcastChannel(PROBE_CHANNEL);
  channel.unref();
  const handledAt = new Map<number, number>();
  let packets = 0;
  let stops = 0;
  const send = (command: ProbeCommand) => channel.postMessage(command);
  return {
    handledAt,
    get packets() {
      return packets;
    },
    start() {
      packets = 0;
      send({ cmd: "start", sampleEvery });
    },
    stop() {
      const stop = ++stops;
      let reports = 0;
      packets = 0;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`${workers - reports} of ${workers} media workers did not report their probe`)),
          10_000,
        );
        channel.onmessage = (event) => {
          const report = (event as { data: ProbeCommand | ProbeReport }).data;
          if ("cmd" in report || report.stopped !== stop) return;
          packets += report.packets;
          for (const [key, at] of report.handled) handledAt.set(key, at);
          if (++reports === workers) {
            clearTimeout(timer);
            resolve();
          }
        };
        send({ cmd: "stop", stop });
      });
    },
    clear() {
      handledAt.clear();
      send({ cmd: "clear" });
    },
  };
}
