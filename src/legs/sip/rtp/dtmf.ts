/**
 * RFC 4733 telephone-events for DTMF: the 4-byte payload, and the receive side's rule for turning
 * a stream of repeated event packets into one key press each.
 */

/** Event codes 0-15 in order (RFC 4733 §3.2). */
export const DTMF_KEYS = "0123456789*#ABCD";
export const EVENT_PAYLOAD_BYTES = 4;
/** Sent in every event packet: -10 dBm0, a normal key's level. */
export const EVENT_VOLUME = 10;

export function eventCode(digit: string): number {
  return digit.length === 1 ? DTMF_KEYS.indexOf(digit.toUpperCase()) : -1;
}

export function writeEventPayload(
  buf: Uint8Array,
  at: number,
  event: number,
  end: boolean,
  duration: number,
): void {
  buf[at] = event;
  buf[at + 1] = (end ? 0x80 : 0) | EVENT_VOLUME;
  buf[at + 2] = (duration >> 8) & 0xff;
  buf[at + 3] = duration & 0xff;
}

/**
 * A repeated non-end packet for an event already ended, this long after its end, is the same
 * event replayed rather than a straggler: sipp's bundled pcaps reuse one SSRC and timestamp per
 * digit, so "111" is the same ten packets three times, about 160 ms apart.
 */
export const REPLAY_AFTER_END_MS = 60;
const REMEMBERED = 16;

/**
 * One press per event, keyed by (SSRC, timestamp, event code): RFC 4733 identifies an event by its
 * timestamp, and the code in the key keeps two keys apart even from a sender that reuses a
 * timestamp. Every repeat, duration update and the three end packets of a known event are ignored.
 */
export class EventDeduplicator {
  private readonly ssrc = new Uint32Array(REMEMBERED);
  private readonly timestamp = new Uint32Array(REMEMBERED);
  private readonly code = new Int16Array(REMEMBERED).fill(-1);
  /** Clock time its end was first seen, or -1 while it lasts. */
  private readonly endedAt = new Float64Array(REMEMBERED);
  private next = 0;

  /** True when this packet starts a new press. */
  observe(ssrc: number, timestamp: number, event: number, end: boolean, nowMs: number): boolean {
    for (let i = 0; i < REMEMBERED; i++) {
      if (this.code[i] !== event || this.ssrc[i] !== ssrc || this.timestamp[i] !== timestamp) continue;
      const endedAt = this.endedAt[i] as number;
      if (end) {
        if (endedAt < 0) this.endedAt[i] = nowMs;
        return false;
      }
      if (endedAt >= 0 && nowMs - endedAt >= REPLAY_AFTER_END_MS) {
        this.endedAt[i] = -1;
        return true;
      }
      return false;
    }
    const slot = this.next;
    this.next = (slot + 1) % REMEMBERED;
    this.ssrc[slot] = ssrc;
    this.timestamp[slot] = timestamp;
    this.code[slot] = event;
    this.endedAt[slot] = end ? nowMs : -1;
    return true;
  }
}
