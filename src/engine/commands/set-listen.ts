import { NEXT } from "../context.js";
import { isResult, targetParticipant } from "./conference-target.js";
import type { CommandHandler } from "./types.js";

/** listen false: the participant hears silence (it still talks); true: the mix again. */
export const setListen: CommandHandler<"SetListen"> = async (attrs, ctx) => {
  const target = targetParticipant(ctx, "SetListen", attrs.callId);
  if (isResult(target)) return target;
  target.conference.changeParticipant(target.participant.callId, { listen: attrs.listen ?? true });
  return NEXT;
};
