import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { isId } from "../contract/ids.js";
import { BelayError } from "../errors.js";
import type { SpeechEngine } from "../media/tts.js";
import { readWav } from "../media/wav-read.js";
import type { BlobStore } from "../store/blob-store.js";
import type { Store } from "../store/types.js";

/** Where Say and Play get their audio: text-to-speech, a Belay recording, or a WAV by URL. */
export interface AudioService {
  speak(text: string, language: string | undefined): Promise<Int16Array>;
  load(url: string, accountId: string): Promise<Int16Array>;
}

export interface AudioServiceOptions {
  store: Store;
  blobs: BlobStore;
  speech: SpeechEngine | undefined;
  logger: Logger;
  fetchTimeoutMs?: number;
  maxFileBytes?: number;
}

const RECORDING_PATH = /\/apiserver\/Accounts\/([^/]+)\/Recordings\/([^/]+)\/(?:Download|Stream)$/;
// Without a speech engine, Say still takes about as long as speaking would: ~15 characters a second.
const SILENT_SPEECH_MS_PER_CHAR = 65;

export function createAudioService(options: AudioServiceOptions): AudioService {
  const { store, blobs, speech, logger } = options;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000;
  const maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
  let warnedNoSpeech = false;

  async function loadRecording(accountId: string, recordingId: string): Promise<Int16Array> {
    const row = await store.recordings.get(accountId, recordingId);
    if (!row) throw new BelayError("PLAY_RECORDING_NOT_FOUND", `recording ${recordingId} does not exist`);
    if (row.privacyMode) {
      throw new BelayError(
        "PLAY_PRIVATE_RECORDING",
        `recording ${recordingId} was made in privacyMode; Play refuses it`,
      );
    }
    return readWav(await readAll(await blobs.read(row.blobKey), maxFileBytes)).pcm8k;
  }

  async function fetchWav(url: string): Promise<Int16Array> {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    } catch (err) {
      throw new BelayError("PLAY_FETCH_FAILED", `GET ${url} failed: ${describe(err)}`);
    }
    if (!response.ok) throw new BelayError("PLAY_FETCH_FAILED", `GET ${url} answered ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > maxFileBytes)
      throw new BelayError("PLAY_FILE_TOO_LARGE", `GET ${url}: ${declared} bytes is too large`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxFileBytes)
      throw new BelayError("PLAY_FILE_TOO_LARGE", `GET ${url}: file too large`);
    return readWav(bytes).pcm8k;
  }

  return {
    async speak(text, language) {
      if (speech) return speech.synthesize(text, language);
      if (!warnedNoSpeech) {
        warnedNoSpeech = true;
        logger.warn(
          "Say: no speech engine installed (optional dependency espeak-ng); playing silence instead",
        );
      }
      return new Int16Array(Math.round((text.length * SILENT_SPEECH_MS_PER_CHAR * 8000) / 1000));
    },

    async load(url, accountId) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new BelayError("PLAY_URL_INVALID", `"${url}" is not an absolute URL`);
      }
      const own = RECORDING_PATH.exec(parsed.pathname);
      // A Belay recordingUrl resolves internally, without credentials, whatever host it names.
      if (own && isId(own[1], "AC") && isId(own[2], "RE")) {
        if (own[1] !== accountId)
          throw new BelayError("PLAY_RECORDING_NOT_FOUND", `recording ${own[2]} does not exist`);
        return loadRecording(accountId, own[2] as string);
      }
      return fetchWav(url);
    },
  };
}

async function readAll(stream: Readable, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > limit) throw new BelayError("PLAY_FILE_TOO_LARGE", "recording too large to play");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (err.name === "TimeoutError") return "timed out";
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
