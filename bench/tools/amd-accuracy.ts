/**
 * How well the answering-machine detector (src/media/amd.ts) tells humans, answering machines and
 * faxes apart on the labelled synthetic set (test/media/amd-set.ts: eSpeak NG voices, tones and sox
 * noise through G.711), how soon it decides, and what a frame costs.
 *
 *   node --import tsx bench/tools/amd-accuracy.ts [--seed 14] [--rumble -40] [--verbose]
 *
 * `--seed` draws the set's timings, levels and noise (14 is the set the thresholds were chosen on);
 * `--rumble` adds full-band brown noise at that RMS (dBFS) to every example;
 * `--verbose` lists every example, not only the ones it got wrong. Needs sox on PATH and the
 * espeak-ng package. A diagnostic for docs/amd.md, not one of the benchmarks: it prints, and saves
 * nothing.
 */
import { MachineDetector } from "../../src/media/amd.js";
import { FRAME_SAMPLES } from "../../src/media/frame.js";
import { score, TRUTHS, VERDICT_LABELS } from "../../test/media/amd-score.js";
import { AMD_SET_SEED, type AmdExample, buildAmdSet, withRumble } from "../../test/media/amd-set.js";
import { hasFlag, numberOption, option } from "../lib/args.js";

const SEED = numberOption("--seed", AMD_SET_SEED);
const RUMBLE = option("--rumble", "");
const VERBOSE = hasFlag("--verbose");
const TIMING_ROUNDS = 20;

const built = await buildAmdSet(SEED);
const examples = RUMBLE === "" ? built : await withRumble(built, Number(RUMBLE));
const result = score(examples);

const rumble = RUMBLE === "" ? "" : `, rumble at ${RUMBLE} dBFS`;
console.log(`AMD on the synthetic set, seed ${SEED}${rumble}: ${examples.length} examples\n`);
console.log(`truth \\ verdict | ${VERDICT_LABELS.map((l) => l.padStart(17)).join(" | ")} | right`);
for (const truth of TRUTHS) {
  const row = result.confusion[truth];
  const count = examples.filter((e) => e.truth === truth).length;
  const right = Math.round(result.accuracy[truth] * count);
  console.log(
    `${truth.padEnd(15)} | ${VERDICT_LABELS.map((l) => String(row[l]).padStart(17)).join(" | ")} | ${right}/${count} (${percent(result.accuracy[truth])})`,
  );
}
const allRight = result.outcomes.filter((o) => o.correct).length;
console.log(`all: ${allRight}/${examples.length} (${percent(result.accuracy.all)})\n`);

for (const truth of TRUTHS) {
  const times = result.outcomes
    .filter((o) => o.example.truth === truth && o.correct)
    .map((o) => o.verdict.atMs)
    .sort((a, b) => a - b);
  if (times.length === 0) continue;
  console.log(
    `${truth}: decided right at ${quantile(times, 0.5)} ms median, ${times[times.length - 1]} ms latest (from the answer)`,
  );
}

console.log(VERBOSE ? "\nevery example:" : "\nwrong:");
for (const o of result.outcomes) {
  if (o.correct && !VERBOSE) continue;
  console.log(`  ${o.example.name} → ${o.label} at ${o.verdict.atMs} ms: ${o.verdict.reason}`);
  console.log(`      ${o.example.description}`);
}

console.log(
  `\ncost: ${microsPerFrame(examples).toFixed(1)} µs per frame (every frame of the set, never deciding)`,
);

/**
 * Mean time for push() over every frame of every example, on a detector whose thresholds are out
 * of reach, so that it never decides and does its full work on each frame (the tone bank runs on
 * every frame louder than -45 dBFS).
 */
function microsPerFrame(set: AmdExample[]): number {
  const never = 1e9;
  const undecided = {
    totalAnalysisMs: never,
    afterGreetingSilenceMs: never,
    maxHumanGreetingMs: never,
    maxHumanWords: never,
    minBeepMs: never,
    minCedMs: never,
    cngMinMs: never,
  };
  let frames = 0;
  const started = process.hrtime.bigint();
  for (let round = 0; round < TIMING_ROUNDS; round++) {
    for (const example of set) {
      const detector = new MachineDetector(undecided);
      for (let at = 0; at + FRAME_SAMPLES <= example.pcm.length; at += FRAME_SAMPLES) {
        detector.push(example.pcm.subarray(at, at + FRAME_SAMPLES));
        frames++;
      }
    }
  }
  return Number(process.hrtime.bigint() - started) / 1000 / frames;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
