import { CachedSpeechEngine } from "./tts-cache.js";
import { loadEspeakEngine } from "./tts-espeak.js";

/** Text-to-speech for Say. */
export interface SpeechEngine {
  readonly name: string;
  /** Speaks `text` in `language` (a FreeClimb value such as "en-US"; unknown ones fall back to US English). */
  synthesize(text: string, language?: string): Promise<Int16Array /* 8 kHz mono */>;
}

let loading: Promise<SpeechEngine | undefined> | undefined;

/**
 * The process's speech engine: eSpeak NG behind a result cache, or undefined when the optional
 * `espeak-ng` package is not installed (or cannot start). Loaded once; later calls share it.
 */
export function loadSpeechEngine(): Promise<SpeechEngine | undefined> {
  loading ??= loadEspeakEngine().then((engine) => (engine ? new CachedSpeechEngine(engine) : undefined));
  return loading;
}
