import type { SpeechEngine } from "./tts.js";

const DEFAULT_CAPACITY = 64;

/**
 * Remembers the last `capacity` syntheses by language and text (least recently used goes first):
 * IVR prompts repeat, and synthesis costs ~100 ms of a worker. Concurrent requests for the same
 * prompt share one synthesis; a failed synthesis is not remembered. Callers get their own copy.
 */
export class CachedSpeechEngine implements SpeechEngine {
  readonly name: string;
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, Promise<Int16Array>>();

  constructor(
    private readonly inner: SpeechEngine,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {
    this.name = inner.name;
  }

  async synthesize(text: string, language?: string): Promise<Int16Array> {
    const key = `${(language ?? "").toLowerCase()}\u0000${text}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.hits++;
      this.entries.delete(key); // re-insert: Map order is recency order
    } else {
      this.misses++;
      entry = this.inner.synthesize(text, language);
      entry.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return (await entry).slice();
  }
}
