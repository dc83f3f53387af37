/**
 * RFC 3261's timer values (section 17, table 4). Configurable so that tests can shrink T1 and
 * exercise retransmission and timeouts in a few milliseconds of real time when they use UDP.
 */
export interface SipTimers {
  /** RTT estimate: first retransmission interval. */
  t1: number;
  /** The cap retransmission intervals double up to. */
  t2: number;
  /** How long a message may stay in the network. */
  t4: number;
}

export const RFC3261_TIMERS: SipTimers = { t1: 500, t2: 4000, t4: 5000 };

/** 64*T1: timers B, F, H, J and the 2xx-without-ACK limit. */
export function transactionTimeout(timers: SipTimers): number {
  return 64 * timers.t1;
}
