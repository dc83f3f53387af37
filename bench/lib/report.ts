import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { type BenchResult, targetMet } from "./result.js";

export const RESULTS_DIR = new URL("../results/", import.meta.url);
const DOC = new URL("../../docs/benchmarks.md", import.meta.url);

export async function saveResult(result: BenchResult): Promise<void> {
  await writeFile(new URL(`${result.name}.json`, RESULTS_DIR), `${JSON.stringify(result, null, 2)}\n`);
}

/** Rewrites docs/benchmarks.md's table from every result file, so the page never drifts from the data. */
export async function writeReport(): Promise<void> {
  const files = (await readdir(RESULTS_DIR)).filter((f) => f.endsWith(".json")).sort();
  const results = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(new URL(f, RESULTS_DIR), "utf8")) as BenchResult),
  );
  const rows = results.map((r) => {
    const metrics = Object.entries(r.metrics)
      .map(([k, v]) => `${k} ${v}`)
      .join("<br>");
    const targets = r.targets
      .map((t) => `${t.label}: ${targetMet(r, t) ? "**met**" : "**not met**"}`)
      .join("<br>");
    const limit = r.limit
      ? `${r.limit.what}: ${Object.entries(r.limit.metrics)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`
      : "";
    return `| ${r.name} | ${r.summary} | ${metrics} | ${limit} | ${targets} | \`${r.command}\` | ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node} | ${r.date} |`;
  });
  const text = (await readFile(DOC, "utf8").catch(() => "")) || HEADER;
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  const table = [
    TABLE_START,
    "| benchmark | what | result | limit (same run) | target | command | machine | date |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    TABLE_END,
  ].join("\n");
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + table + text.slice(end + TABLE_END.length)
      : `${text.trimEnd()}\n\n${table}\n`;
  await writeFile(DOC, next);
  process.stdout.write(`wrote ${path.basename(DOC.pathname)} (${rows.length} benchmarks)\n`);
}

const TABLE_START = "<!-- results table: written by `npm run bench`, do not edit by hand -->";
const TABLE_END = "<!-- end of results table -->";
const HEADER = "# Benchmarks\n";
