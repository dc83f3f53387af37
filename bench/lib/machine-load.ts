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

/**
 * This process's main thread from /proc/<pid>/schedstat: how long it has run (first field, ns) in
 * µs, and how long it has waited on a run queue (second field) in ms; NaN elsewhere.
 */
export async function mainThreadSchedule(): Promise<{ ranUs: number; waitedMs: number }> {
  const text = await readFile(`/proc/${process.pid}/schedstat`, "utf8").catch(() => "");
  const [ran, waited] = text.split(" ");
  return { ranUs: Number(ran) / 1e3, waitedMs: Number(waited) / 1e6 };
}

/** How long this process's main thread has waited on a run queue, in ms; NaN elsewhere. */
export async function runQueueWaitMs(): Promise<number> {
  return (await mainThreadSchedule()).waitedMs;
}
