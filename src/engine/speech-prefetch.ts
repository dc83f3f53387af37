import type { SayAttrs } from "../contract/percl/audio.js";
import type { PerclCommand } from "../contract/percl/index.js";

type Speak = (text: string, language: string | undefined) => Promise<Int16Array>;

/** Every Say a script may speak, in script order: its own, and those nested in prompts. */
export function spokenTexts(script: readonly PerclCommand[]): SayAttrs[] {
  const out: SayAttrs[] = [];
  for (const command of script) {
    if (command.name === "Say") out.push(command.attrs);
    else if (command.name === "GetDigits") {
      for (const prompt of command.attrs.prompts ?? []) if (prompt.name === "Say") out.push(prompt.attrs);
    }
  }
  return out.filter((attrs) => attrs.text !== "");
}

/**
 * The Say that would start the moment the script starts: a leading Say, or the first prompt of a
 * leading GetDigits. Waiting for its synthesis before the script runs is the only wait
 * synthesis adds to a call; every other Say is ready long before its turn.
 */
export function openingSay(script: readonly PerclCommand[]): SayAttrs | undefined {
  const head = script[0];
  if (!head) return undefined;
  if (head.name === "Say") return head.attrs.text === "" ? undefined : head.attrs;
  if (head.name === "GetDigits") {
    const first = head.attrs.prompts?.[0];
    if (first?.name === "Say" && first.attrs.text !== "") return first.attrs;
  }
  return undefined;
}

/**
 * Texts of one script synthesised ahead: a script of hundreds of Says must not hold the speech
 * engine (shared by every call) for minutes. Says beyond these are synthesised when their turn
 * comes.
 */
export const MAX_PREFETCHED_TEXTS = 16;

const keyOf = (text: string, language: string | undefined) =>
  `${(language ?? "").toLowerCase()}\u0000${text}`;

/**
 * A call's speech, synthesised as soon as a script arrives (all of its Says at once, queued on the
 * speech engine) instead of when each Say's turn comes, so that in real time a Say starts on time
 * rather than after its synthesis. Held per call, for the script that is running: a shared cache
 * could evict it under load before its turn. Callers get their own copy of the samples.
 */
export class SpeechPrefetch {
  private ready = new Map<string, Promise<Int16Array>>();

  constructor(private readonly speak: Speak) {}

  /** Starts synthesising the Says of `script` (the first MAX_PREFETCHED_TEXTS texts); drops the previous script's. */
  prepare(script: readonly PerclCommand[]): void {
    const previous = this.ready;
    this.ready = new Map();
    for (const { text, language } of spokenTexts(script)) {
      const key = keyOf(text, language);
      if (this.ready.has(key)) continue;
      if (this.ready.size === MAX_PREFETCHED_TEXTS) break;
      const pending = previous.get(key) ?? this.speak(text, language);
      // A failure is reported when the Say itself asks for its audio, not here.
      pending.catch(() => undefined);
      this.ready.set(key, pending);
    }
  }

  /** Resolves once `attrs`' audio is ready (or failed); never rejects. */
  async settled(attrs: SayAttrs): Promise<void> {
    await this.ready.get(keyOf(attrs.text, attrs.language))?.catch(() => undefined);
  }

  /** The prepared audio for a Say, or a fresh synthesis for one no script announced. */
  async audio(text: string, language: string | undefined): Promise<Int16Array> {
    const pending = this.ready.get(keyOf(text, language));
    if (!pending) return this.speak(text, language);
    return (await pending).slice();
  }
}
