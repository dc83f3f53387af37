import type { Clock } from "../time/clock.js";
import type { DialOutcome, DialRequest, OutboundLeg } from "./leg.js";

/**
 * FreeClimb's MakeCallRequest `timeout`: seconds to let the far end ring (OpenAPI default 30).
 * Belay decides the range: most carriers stop ringing by 120 s, as FreeClimb's docs note.
 */
export const RING_TIMEOUT_SEC = { default: 30, min: 1, max: 120 } as const;

/**
 * Dials `leg`, giving up after `timeoutMs` on `clock` (→ noAnswer) or when `signal` aborts
 * (→ canceled). The timer lives here, not in the leg, so a virtual callee and a SIP UAC time out
 * identically and on simulated time in tests.
 */
export async function dialWithTimeout(
  leg: OutboundLeg,
  request: Omit<DialRequest, "signal"> & { clock: Clock; timeoutMs: number; signal: AbortSignal },
): Promise<DialOutcome> {
  const { clock, timeoutMs, signal, ...rest } = request;
  if (signal.aborted) return { result: "canceled" };
  const attempt = new AbortController();
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, timeoutMs);
  const cancel = () => attempt.abort();
  signal.addEventListener("abort", cancel, { once: true });
  try {
    const outcome = await leg.dial({ ...rest, signal: attempt.signal });
    if (outcome.result === "canceled" && timedOut && !signal.aborted) {
      return { result: "noAnswer", message: `no answer within ${timeoutMs / 1000} s` };
    }
    return outcome;
  } finally {
    timer.cancel();
    signal.removeEventListener("abort", cancel);
  }
}
