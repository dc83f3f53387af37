import type { DialOutcome, DialRequest, OutboundLeg } from "../../engine/leg.js";
import type { Clock } from "../../time/clock.js";
import type { CallerScript } from "./script.js";
import { VirtualLeg, type VirtualLegOptions } from "./virtual-leg.js";

/** How a virtual callee takes the call. `unreachable`: there is nothing to ring (no such device). */
export type CalleeAnswer =
  | { kind: "answer"; afterMs: number }
  | { kind: "busy" }
  | { kind: "noAnswer" }
  | { kind: "unreachable"; message: string };

/**
 * A virtual device Belay calls: it rings for `afterMs` and answers (then speaks, presses keys and
 * hangs up as its script says, timed from the answer), or is busy, or rings until Belay gives up.
 */
export class VirtualCallee extends VirtualLeg implements OutboundLeg {
  override readonly kind = "virtual";

  constructor(
    clock: Clock,
    script: CallerScript,
    private readonly answers: CalleeAnswer,
    options: VirtualLegOptions = {},
  ) {
    super(clock, script, options);
  }

  /** A device Belay calls has no early media to hear from Belay: it is the one that answers. */
  override earlyMedia(): Promise<boolean> {
    return Promise.resolve(false);
  }

  async dial(request: DialRequest): Promise<DialOutcome> {
    const { answers } = this;
    if (request.signal.aborted) return { result: "canceled" };
    if (answers.kind === "unreachable") return { result: "failed", message: answers.message };
    // Busy answers at once, before any ringing, as a SIP 486 does.
    if (answers.kind === "busy") return { result: "busy" };
    request.onRinging();
    if (answers.kind === "noAnswer") {
      await aborted(request.signal);
      return { result: "canceled" };
    }
    if (!(await this.clock.sleep(answers.afterMs, request.signal))) return { result: "canceled" };
    await this.answer();
    return { result: "answered" };
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
