import { NEXT } from "../context.js";
import { notInConference } from "./conference-target.js";
import type { CommandHandler } from "./types.js";

/** Ends the calling call's conference (or, legacy, the one `conferenceId` names in this account). */
export const terminateConference: CommandHandler<"TerminateConference"> = async (attrs, ctx) => {
  const membership = ctx.membership();
  const conference = attrs.conferenceId
    ? ctx.conferences.get(ctx.facts.accountId, attrs.conferenceId)
    : membership?.conference;
  if (!conference) {
    const which = attrs.conferenceId
      ? `conference ${attrs.conferenceId} is not live`
      : "the call is not in a conference";
    return notInConference(ctx, "TerminateConference", which);
  }
  conference.terminate(membership?.conference === conference ? membership.participant.call : undefined);
  return NEXT;
};
