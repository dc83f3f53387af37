import type { TimelineEvent } from "../engine/timeline.js";
import { BelayError } from "../errors.js";
import { readWav } from "../media/wav-read.js";
import type { Belay } from "../server/belay.js";
import type { SentWebhook } from "./webhook-log.js";

/** readWav hands back every WAV as 8 kHz mono. */
const PCM_RATE = 8000;

/** A recording the call made: the `record` webhook's fields, and its audio from the stored WAV. */
export interface TestRecording {
  recordingId: string;
  recordingUrl: string | null;
  /** Bytes of the WAV file, as the record webhook gives it (a decimal string). */
  recordingSize: string;
  recordingFormat: string;
  /** Whole seconds, rounded up, as the record webhook gives it. */
  recordingDurationSec: number;
  termReason: string;
  privacyMode: boolean;
  /** The record webhook's body; undefined for a recording no record webhook announced (StartRecordCall). */
  webhook: Record<string, unknown> | undefined;
  /** The audio's exact length: samples / sampleRate. */
  durationSec: number;
  durationMs: number;
  sampleRate: number;
  /** The stored WAV's samples (8 kHz mono 16-bit), read back through the REST API's Download. */
  samples: Int16Array;
  /** The stored WAV file, byte for byte. */
  wav: Uint8Array;
  /** Why the audio could not be read (e.g. already deleted); `samples` and `wav` are then empty. */
  audioError?: string;
}

/** Every recording on the timeline, its WAV downloaded as the account would download it. */
export async function loadRecordings(
  belay: Belay,
  timeline: readonly TimelineEvent[],
  webhooks: readonly SentWebhook[],
): Promise<TestRecording[]> {
  const recordings: TestRecording[] = [];
  for (const event of timeline) {
    if (event.type !== "recording" || !event.recordingId) continue;
    const recordingId = event.recordingId;
    const webhook = webhooks.find(
      (sent) => sent.requestType === "record" && sent.body.recordingId === recordingId,
    )?.body;
    const read = await download(belay, recordingId).then(
      (wav) => ({ wav, pcm: readWav(wav).pcm8k }),
      (err: unknown) => ({ wav: new Uint8Array(0), pcm: new Int16Array(0), error: (err as Error).message }),
    );
    recordings.push({
      recordingId,
      recordingUrl: event.recordingUrl,
      recordingSize: String(webhook?.recordingSize ?? event.sizeBytes),
      recordingFormat: String(webhook?.recordingFormat ?? "audio/wav"),
      recordingDurationSec: Number(webhook?.recordingDurationSec ?? event.durationSec),
      termReason: String(webhook?.termReason ?? event.termReason),
      privacyMode: webhook?.privacyMode === true,
      webhook,
      durationSec: read.pcm.length / PCM_RATE,
      durationMs: (read.pcm.length * 1000) / PCM_RATE,
      sampleRate: PCM_RATE,
      samples: read.pcm,
      wav: read.wav,
      ...("error" in read ? { audioError: read.error } : {}),
    });
  }
  return recordings;
}

async function download(belay: Belay, recordingId: string): Promise<Uint8Array> {
  const { accountId, apiKey } = belay.account;
  const response = await belay.api.inject({
    method: "GET",
    url: `/apiserver/Accounts/${accountId}/Recordings/${recordingId}/Download`,
    headers: { authorization: `Basic ${Buffer.from(`${accountId}:${apiKey}`).toString("base64")}` },
  });
  if (response.statusCode !== 200)
    throw new BelayError(
      "TESTKIT_RECORDING",
      `recording ${recordingId} could not be downloaded: ${response.statusCode} ${response.body}`,
    );
  return response.rawPayload;
}
