import { BelayError } from "../errors.js";
import { SAMPLE_RATE } from "./frame.js";

/**
 * RecordUtterance's beep: a 1000 Hz sine for 250 ms at -6 dBFS peak, the classic answering-machine
 * tone, loud and unmistakable but with headroom left for G.711.
 */
export const BEEP_HZ = 1000;
export const BEEP_MS = 250;
const BEEP_PEAK = dbfsToPeak(-6);

/** Each DTMF tone's peak level: both at -7 dBFS, so the pair peaks just under -1 dBFS. */
const DTMF_PEAK = dbfsToPeak(-7);
/** Fade in and out, so the tone's edges do not click. */
const FADE_MS = 5;

const DTMF_ROWS = [697, 770, 852, 941] as const;
const DTMF_COLUMNS = [1209, 1336, 1477, 1633] as const;
const DTMF_KEYPAD = ["123A", "456B", "789C", "*0#D"] as const;

let beepSamples: Int16Array | undefined;

/** The beep as 8 kHz PCM (a fresh copy each time). */
export function beep(): Int16Array {
  beepSamples ??= tone([BEEP_HZ], BEEP_PEAK, BEEP_MS);
  return beepSamples.slice();
}

/** A conference's entry and exit beeps: rising and falling, 150 ms at -12 dBFS, under the talk. */
const CONFERENCE_BEEP_PEAK = dbfsToPeak(-12);
const CONFERENCE_BEEP_MS = 150;
let entryBeepSamples: Int16Array | undefined;
let exitBeepSamples: Int16Array | undefined;

/** Played to a conference when a participant enters (shared: read-only). */
export function entryBeep(): Int16Array {
  entryBeepSamples ??= tone([880], CONFERENCE_BEEP_PEAK, CONFERENCE_BEEP_MS);
  return entryBeepSamples;
}

/** Played to a conference when a participant leaves (shared: read-only). */
export function exitBeep(): Int16Array {
  exitBeepSamples ??= tone([440], CONFERENCE_BEEP_PEAK, CONFERENCE_BEEP_MS);
  return exitBeepSamples;
}

/** A standard DTMF digit (0-9, *, #, A-D) for `durationMs`. */
export function dtmfTone(digit: string, durationMs = 100): Int16Array {
  const key = digit.toUpperCase();
  const row = DTMF_KEYPAD.findIndex((keys) => key.length === 1 && keys.includes(key));
  if (row < 0) {
    throw new BelayError("DTMF_DIGIT_INVALID", `"${digit}" is not a DTMF digit (0-9, *, #, A-D)`, { digit });
  }
  const column = (DTMF_KEYPAD[row] as string).indexOf(key);
  return tone([DTMF_ROWS[row] as number, DTMF_COLUMNS[column] as number], DTMF_PEAK, durationMs);
}

/** `ms` milliseconds of digital silence. */
export function silence(ms: number): Int16Array {
  return new Int16Array(samplesFor(ms));
}

/** A sum of sines of equal peak level, with raised-cosine fades at both ends. */
function tone(frequencies: readonly number[], peak: number, durationMs: number): Int16Array {
  const length = samplesFor(durationMs);
  const out = new Int16Array(length);
  const fade = Math.min(Math.round((FADE_MS * SAMPLE_RATE) / 1000), Math.floor(length / 2));
  for (let i = 0; i < length; i++) {
    let value = 0;
    for (const hz of frequencies) value += Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE);
    const edge = Math.min(i, length - 1 - i);
    const gain = edge < fade ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade) : 1;
    out[i] = Math.round(value * peak * gain);
  }
  return out;
}

function samplesFor(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new BelayError("AUDIO_DURATION_INVALID", `${ms} ms is not a valid duration`, { ms });
  }
  return Math.round((ms * SAMPLE_RATE) / 1000);
}

function dbfsToPeak(dbfs: number): number {
  return 32767 * 10 ** (dbfs / 20);
}
