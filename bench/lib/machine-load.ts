import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";

/** How busy the machine is besides us: load average and Linux's CPU pressure (time tasks waited for a CPU). */
export async function machineLoad(): Promise<string> {
  const psi = await readFile("/proc/pressure/cpu", "utf8").then(
    (s) => /some avg10=([\d.]+) avg60=([\d.]+)/.exec(s),
    () => null,
  );
  const [one, five] = loadavg();
  return `load average ${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min)${psi ? `; CPU pressure: some task waited for a CPU ${psi[2]}% of the last 60 s` : ""}`;
}

/** How long this process's main thread has waited on a run queue (second field of /proc/<pid>/schedstat, in ns), in ms; NaN elsewhere. */
export async function runQueueWaitMs(): Promise<number> {
  const text = await readFile(`/proc/${process.pid}/schedstat`, "utf8").catch(() => "");
  return Number(text.split(" ")[1]) / 1e6;
}

/** CPU time this process's main thread has run (first field of /proc/<pid>/schedstat, in ns), in µs; NaN elsewhere. */
export async function mainThreadCpuUs(): Promise<number> {
  const text = await readFile(`/proc/${process.pid}/schedstat`, "utf8").catch(() => "");
  return Number(text.split(" ")[0]) / 1e3;
}
