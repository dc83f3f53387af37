/** Runs the answering-machine detector over labelled examples and tallies how it did. */
import { MachineDetector, type MachineDetectorOptions, type MachineVerdict } from "../../src/media/amd.js";
import { FRAME_SAMPLES } from "../../src/media/frame.js";
import type { AmdExample, AmdTruth } from "./amd-set.js";

export type VerdictLabel = "human" | "answering machine" | "fax modem" | "unknown";
export const VERDICT_LABELS: readonly VerdictLabel[] = ["human", "answering machine", "fax modem", "unknown"];
export const TRUTHS: readonly AmdTruth[] = ["human", "machine", "fax"];

export interface Outcome {
  example: AmdExample;
  verdict: MachineVerdict;
  label: VerdictLabel;
  correct: boolean;
}

export interface Score {
  outcomes: Outcome[];
  /** confusion[truth][label] = count. */
  confusion: Record<AmdTruth, Record<VerdictLabel, number>>;
  /** Share right per class, and over all examples. */
  accuracy: Record<AmdTruth | "all", number>;
}

export function labelOf(verdict: MachineVerdict): VerdictLabel {
  return verdict.kind === "machine" ? verdict.machineType : verdict.kind;
}

/** Right means: a human is "human" (an "unknown" counts as wrong, though OutDial treats it as human). */
function isCorrect(truth: AmdTruth, label: VerdictLabel): boolean {
  if (truth === "human") return label === "human";
  if (truth === "machine") return label === "answering machine";
  return label === "fax modem";
}

/** Feeds each example frame by frame until the detector decides (it must, within the example). */
export function runDetector(pcm: Int16Array, options?: Partial<MachineDetectorOptions>): MachineVerdict {
  const detector = new MachineDetector(options);
  for (let at = 0; at + FRAME_SAMPLES <= pcm.length; at += FRAME_SAMPLES) {
    const verdict = detector.push(pcm.subarray(at, at + FRAME_SAMPLES));
    if (verdict) return verdict;
  }
  throw new Error(`no verdict after ${pcm.length / FRAME_SAMPLES} frames`);
}

export function score(examples: readonly AmdExample[], options?: Partial<MachineDetectorOptions>): Score {
  const confusion = Object.fromEntries(
    TRUTHS.map((truth) => [truth, Object.fromEntries(VERDICT_LABELS.map((label) => [label, 0]))]),
  ) as Score["confusion"];
  const outcomes = examples.map((example) => {
    const verdict = runDetector(example.pcm, options);
    const label = labelOf(verdict);
    confusion[example.truth][label]++;
    return { example, verdict, label, correct: isCorrect(example.truth, label) };
  });
  const share = (list: Outcome[]): number => list.filter((o) => o.correct).length / (list.length || 1);
  const accuracy = {
    all: share(outcomes),
    ...Object.fromEntries(
      TRUTHS.map((truth) => [truth, share(outcomes.filter((o) => o.example.truth === truth))]),
    ),
  } as Score["accuracy"];
  return { outcomes, confusion, accuracy };
}
