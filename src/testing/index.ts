/**
 * belay/testing: test a FreeClimb app against a Belay running in the test's own process
 * (docs/testing.md).
 */
export type { AppHandler, AppRequest, PerclHandler } from "./app-host.js";
export { findAudio, wavSamples } from "./audio.js";
export type { CallOptions, KeyPress } from "./options.js";
export type { TestRecording } from "./recordings.js";
export type { CallResult } from "./result.js";
export type {
  ScenarioCall,
  ScenarioCaller,
  ScenarioDevice,
  ScenarioOptions,
  ScenarioRun,
  ScenarioVoice,
} from "./scenario.js";
export { signatureVerifies } from "./signature-check.js";
export { type StartBelayOptions, startBelay, type TestBelay } from "./start.js";
export type { SentWebhook } from "./webhook-log.js";
