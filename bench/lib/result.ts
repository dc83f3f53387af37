import { cpus, totalmem } from "node:os";

/** One benchmark's outcome, as written to bench/results/<name>.json and tabled in docs/benchmarks.md. */
export interface BenchResult {
  name: string;
  /** What was measured, in one line. */
  summary: string;
  command: string;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string };
  /** Headline numbers, each with its unit in the key (e.g. callsPerSecond, p99Ms). */
  metrics: Record<string, number>;
  /** The targets from the issue, each naming the metric it bounds. */
  targets: Array<{ metric: string; op: "<=" | ">="; value: number; label: string }>;
  /** The physical limit measured in the same run, where the benchmark has one. */
  limit?: { what: string; metrics: Record<string, number> };
  /** What the benchmark checked so that a fast wrong answer cannot pass. */
  checks: string[];
  notes: string[];
}

export function machine(): BenchResult["machine"] {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function targetMet(result: BenchResult, target: BenchResult["targets"][number]): boolean {
  const value = result.metrics[target.metric];
  if (value === undefined) return false;
  return target.op === "<=" ? value <= target.value : value >= target.value;
}

/** Percentile by nearest rank of an unsorted list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
