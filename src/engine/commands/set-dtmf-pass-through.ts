import { NEXT } from "../context.js";
import { isResult, targetParticipant } from "./conference-target.js";
import type { CommandHandler } from "./types.js";

/** Whether the keys this participant presses are played to the others. */
export const setDtmfPassThrough: CommandHandler<"SetDTMFPassThrough"> = async (attrs, ctx) => {
  const target = targetParticipant(ctx, "SetDTMFPassThrough", attrs.callId);
  if (isResult(target)) return target;
  const dtmfPassThrough = attrs.dtmfPassThrough ?? true;
  target.conference.changeParticipant(target.participant.callId, { dtmfPassThrough });
  return NEXT;
};
