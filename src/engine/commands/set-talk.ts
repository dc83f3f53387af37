import { NEXT } from "../context.js";
import { isResult, targetParticipant } from "./conference-target.js";
import type { CommandHandler } from "./types.js";

/** Mutes (talk false) or unmutes a participant: the others stop or start hearing it from the next tick. */
export const setTalk: CommandHandler<"SetTalk"> = async (attrs, ctx) => {
  const target = targetParticipant(ctx, "SetTalk", attrs.callId);
  if (isResult(target)) return target;
  target.conference.changeParticipant(target.participant.callId, { talk: attrs.talk ?? true });
  return NEXT;
};
