import { DEFAULTS } from "../../contract/defaults.js";
import type { PerclCommand } from "../../contract/percl/index.js";
import type { CallEndedReason } from "../../contract/webhooks.js";
import type { Conference } from "../conference/conference.js";
import type { LeaveReason, Participant } from "../conference/participant.js";
import { type CommandContext, type CommandResult, NEXT } from "../context.js";
import { continueWith } from "./continue-with.js";
import { executeCommand } from "./index.js";
import type { AttrsOf, CommandHandler } from "./types.js";

/** How a call that left without a leaveConferenceUrl ends (docs/conferences.md). */
const END_REASONS: Record<Exclude<LeaveReason, "hangup">, CallEndedReason> = {
  removed: "removedFromConference",
  terminated: "conferenceTerminated",
  emptied: "conferenceEmptied",
};

/** What a callControl script may hold: the call stays in the conference while it runs. */
const CALL_CONTROL_COMMANDS: ReadonlySet<string> = new Set([
  "SetTalk",
  "SetListen",
  "SetDTMFPassThrough",
  "RemoveFromConference",
  "TerminateConference",
]);

/**
 * Puts the call in a conference and keeps it there until it leaves: removed, the conference ended,
 * or the call hung up. Meanwhile its audio goes to the conference's mixer and its mix comes back,
 * its keys pass to the others (dtmfPassThrough) or call `callControlUrl` on its sequence. Then
 * `leaveConferenceUrl` continues the call; without one the call ends with the reason it left.
 */
export const addToConference: CommandHandler<"AddToConference"> = async (attrs, ctx, signal) => {
  const conference = ctx.conferences.get(ctx.facts.accountId, attrs.conferenceId);
  if (!conference) return refuse(ctx, `conference ${attrs.conferenceId} does not exist or has ended`);
  if (conference.clock !== ctx.clock) {
    return refuse(
      ctx,
      `conference ${conference.id} runs on another clock: a call on simulated time (--fast) and a live call cannot share one`,
    );
  }
  await ctx.answer();
  if (signal.aborted) return NEXT;
  const defaults = DEFAULTS.addToConference;
  const participant = conference.join(
    {
      callId: ctx.facts.callId,
      fields: () => ctx.callFields(),
      sendDigits: (digits) => void ctx.sendDigits(digits, DEFAULTS.sendDigits.pauseMs),
    },
    {
      talk: attrs.talk ?? defaults.talk,
      listen: attrs.listen ?? defaults.listen,
      dtmfPassThrough: attrs.dtmfPassThrough ?? defaults.dtmfPassThrough,
      startConfOnEnter: attrs.startConfOnEnter ?? defaults.startConfOnEnter,
    },
  );
  if (!participant) return refuse(ctx, `conference ${conference.id} has ended`);
  ctx.setMembership({ conference, participant });
  ctx.emit({ type: "conference", conferenceId: conference.id, event: "joined" });
  const reason = await stayIn(conference, participant, attrs, ctx, signal);
  ctx.setMembership(undefined);
  ctx.emit({ type: "conference", conferenceId: conference.id, event: "left" });
  if (typeof reason !== "string") return reason;
  const leftBody = () => ctx.webhookBody("leaveConference", { conferenceId: conference.id });
  if (reason === "hangup") {
    // The caller is gone: the app hears of it, but there is no call left to continue.
    if (attrs.leaveConferenceUrl) await ctx.notify(attrs.leaveConferenceUrl, leftBody());
    return NEXT;
  }
  if (attrs.leaveConferenceUrl) return continueWith(ctx, attrs.leaveConferenceUrl, leftBody());
  return { kind: "end", reason: END_REASONS[reason] };
};

/** The participant's time in the conference; resolves with why it left, or how a callControl script ended the call. */
async function stayIn(
  conference: Conference,
  participant: Participant,
  attrs: AttrsOf<"AddToConference">,
  ctx: CommandContext,
  signal: AbortSignal,
): Promise<LeaveReason | CommandResult> {
  const streaming = new AbortController();
  const stopFrames = ctx.media.onFrame((frame, dueAt) => {
    participant.seat.input.push(frame, dueAt);
    return true;
  });
  let failed: ((result: CommandResult) => void) | undefined;
  const controlFailed = new Promise<CommandResult>((resolve) => {
    failed = resolve;
  });
  const control = new CallControl(attrs, ctx, conference, (result) => failed?.(result));
  const stopDigits = ctx.media.onDigit((digit) => {
    conference.passDigits(participant, digit);
    control.key(digit);
  });
  const streamed = ctx.stream(participant.seat.output, streaming.signal);
  const hangUp = () => conference.leave(participant.callId, "hangup");
  signal.addEventListener("abort", hangUp, { once: true });
  try {
    if (attrs.notificationUrl) {
      await conference.settled();
      const body = ctx.webhookBody("addToConferenceNotification", {
        conferenceId: conference.id,
        status: conference.status,
      });
      await ctx.notify(attrs.notificationUrl, body);
    }
    const outcome = await Promise.race([participant.left, controlFailed]);
    if (typeof outcome !== "string") conference.leave(participant.callId, "removed");
    return outcome;
  } finally {
    signal.removeEventListener("abort", hangUp);
    stopFrames();
    stopDigits();
    streaming.abort();
    await streamed;
  }
}

/**
 * allowCallControl: when the participant keys `callControlSequence`, `callControlUrl` is asked
 * for PerCL, which runs while the call stays in the conference. Only participant commands may be
 * in it; anything else, or a failed request, ends the call (FreeClimb: the leg terminates).
 */
class CallControl {
  private keyed = "";
  private busy = false;

  constructor(
    private readonly attrs: AttrsOf<"AddToConference">,
    private readonly ctx: CommandContext,
    private readonly conference: Conference,
    private readonly fail: (result: CommandResult) => void,
  ) {}

  key(digit: string): void {
    const { allowCallControl, callControlSequence, callControlUrl } = this.attrs;
    if (!(allowCallControl ?? DEFAULTS.addToConference.allowCallControl)) return;
    if (!callControlSequence || !callControlUrl) return;
    this.keyed = (this.keyed + digit).slice(-callControlSequence.length);
    if (this.keyed !== callControlSequence || this.busy) return;
    this.keyed = "";
    this.busy = true;
    void this.run(callControlUrl, callControlSequence).finally(() => {
      this.busy = false;
    });
  }

  private async run(url: string, digits: string): Promise<void> {
    const body = this.ctx.webhookBody("callControl", { conferenceId: this.conference.id, digits });
    const outcome = await this.ctx.requestPercl(url, body);
    if (!outcome.ok) return this.fail({ kind: "end", reason: outcome.reason, message: outcome.message });
    for (const command of outcome.script) {
      const refused = this.refused(command);
      if (refused) return this.fail(refused);
      const result = await executeCommand(command, this.ctx);
      if (result.kind !== "next") return this.fail(result);
    }
  }

  private refused(command: PerclCommand): CommandResult | undefined {
    if (CALL_CONTROL_COMMANDS.has(command.name)) return undefined;
    const message = `callControl PerCL may only hold ${[...CALL_CONTROL_COMMANDS].join(", ")}; it held ${command.name}`;
    this.ctx.log.error({ command: command.name }, message);
    return { kind: "end", reason: "perclProcessingError", message };
  }
}

function refuse(ctx: CommandContext, why: string): CommandResult {
  const message = `AddToConference: ${why}`;
  ctx.log.error(message);
  return { kind: "end", reason: "perclProcessingError", message };
}

export const describeAddToConference = (attrs: AttrsOf<"AddToConference">): string => attrs.conferenceId;
