/**
 * Imported by each of Belay's media workers in the media benchmark (config.mediaWorkerImports):
 * the delay probe in the thread where the RTP sockets are, driven by the benchmark's main thread
 * over a BroadcastChannel, which it answers with what it saw when stopped.
 */
import { BroadcastChannel } from "node:worker_threads";
import { PROBE_CHANNEL, type ProbeCommand, type ProbeReport } from "./rtp-delay-probe.js";
import { wrapRtpEmit } from "./rtp-emit-wrap.js";

const state = wrapRtpEmit(25);
const channel = new BroadcastChannel(PROBE_CHANNEL);
channel.unref();
channel.onmessage = (event) => {
  const command = (event as { data: ProbeCommand | ProbeReport }).data;
  if (!("cmd" in command)) return; // another worker's report
  switch (command.cmd) {
    case "start":
      state.packets = 0;
      state.sampleEvery = command.sampleEvery;
      state.on = true;
      return;
    case "clear":
      state.handledAt.clear();
      return;
    case "stop": {
      state.on = false;
      const report: ProbeReport = {
        stopped: command.stop,
        packets: state.packets,
        handled: [...state.handledAt],
      };
      channel.postMessage(report);
      return;
    }
  }
};
