/**
 * What a virtual caller does, in milliseconds from the moment the call is answered.
 * Keys of one press group are spaced KEY_SPACING_MS apart.
 */
export interface CallerScript {
  /** 8 kHz mono PCM the caller speaks; silence before and after it. */
  audio?: Int16Array;
  audioAtMs?: number;
  dtmf?: Array<{ keys: string; atMs: number }>;
  hangupAtMs?: number;
  /** How long the call takes to connect once Belay answers it. */
  answerDelayMs?: number;
}

export const KEY_SPACING_MS = 200;

export interface KeyPress {
  key: string;
  atMs: number;
}

/** Flattens press groups into single key presses, in time order. */
export function keyPresses(script: CallerScript): KeyPress[] {
  const presses: KeyPress[] = [];
  for (const group of script.dtmf ?? []) {
    [...group.keys].forEach((key, i) => {
      presses.push({ key, atMs: group.atMs + i * KEY_SPACING_MS });
    });
  }
  return presses.sort((a, b) => a.atMs - b.atMs);
}
