/**
 * Runs the benchmarks, each in a fresh process so none inherits another's heap or warm caches,
 * then rewrites the table in docs/benchmarks.md from bench/results/*.json.
 *
 *   npm run bench                 every benchmark
 *   npm run bench -- fast memory  just these
 *   npm run bench -- --report     only rewrite the table
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { writeReport } from "./lib/report.js";

const ALL = ["fast", "memory", "media", "webhook", "conference", "bridge", "testkit"];
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith("--"));
const chosen = args.includes("--report") ? [] : names.length ? names : ALL;
const unknown = chosen.filter((n) => !ALL.includes(n));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; known: ${ALL.join(", ")}\n`);
  process.exit(2);
}

let failed = 0;
for (const name of chosen) {
  process.stdout.write(`== ${name}\n`);
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", file], { stdio: "inherit" });
    child.on("exit", resolve);
  });
  if (code !== 0) {
    failed++;
    process.stdout.write(
      `${name}: its correctness checks failed (exit ${code}); its result file says which\n`,
    );
  }
}
await writeReport();
process.exitCode = failed ? 1 : 0;
