import type { Conference } from "../conference/conference.js";
import type { Participant } from "../conference/participant.js";
import type { CommandContext, CommandResult } from "../context.js";

/**
 * The participant a SetTalk, SetListen, SetDTMFPassThrough or RemoveFromConference acts on: the
 * calling call in its conference, or (the legacy `callId` attribute @freeclimb/sdk 2.1.3 still
 * sends) another call in that same conference.
 */
export function targetParticipant(
  ctx: CommandContext,
  command: string,
  callId: string | undefined,
): { conference: Conference; participant: Participant } | CommandResult {
  const membership = ctx.membership();
  if (!membership) return notInConference(ctx, command, "the call is not in a conference");
  if (callId === undefined || callId === ctx.facts.callId) return membership;
  const participant = membership.conference.participant(callId);
  if (!participant)
    return notInConference(ctx, command, `call ${callId} is not in conference ${membership.conference.id}`);
  return { conference: membership.conference, participant };
}

export function notInConference(ctx: CommandContext, command: string, why: string): CommandResult {
  const message = `${command}: ${why}`;
  ctx.log.error({ command }, message);
  return { kind: "end", reason: "perclProcessingError", message };
}

export function isResult(value: object): value is CommandResult {
  return "kind" in value;
}
