import { NEXT } from "../context.js";
import { isResult, targetParticipant } from "./conference-target.js";
import type { CommandHandler } from "./types.js";

/** The participant leaves; its call goes on as its AddToConference says (leaveConferenceUrl). */
export const removeFromConference: CommandHandler<"RemoveFromConference"> = async (attrs, ctx) => {
  const target = targetParticipant(ctx, "RemoveFromConference", attrs.callId);
  if (isResult(target)) return target;
  target.conference.leave(target.participant.callId, "removed");
  return NEXT;
};
