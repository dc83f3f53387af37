import { DEFAULTS } from "../../contract/defaults.js";
import { continueWith } from "./continue-with.js";
import type { CommandHandler } from "./types.js";

/**
 * Creates a conference (status empty) on this call's clock and asks `actionUrl` what to do next:
 * the call is not in the conference until its PerCL runs AddToConference.
 */
export const createConference: CommandHandler<"CreateConference"> = async (attrs, ctx) => {
  const conference = await ctx.conferences.open(
    {
      accountId: ctx.facts.accountId,
      alias: attrs.alias ?? null,
      playBeep: attrs.playBeep ?? DEFAULTS.createConference.playBeep,
      record: attrs.record ?? DEFAULTS.createConference.record,
      waitUrl: attrs.waitUrl ?? null,
      statusCallbackUrl: attrs.statusCallbackUrl ?? null,
      actionUrl: attrs.actionUrl,
      callId: ctx.facts.callId,
      ...(attrs.tracks ? { tracks: attrs.tracks } : {}),
    },
    ctx.clock,
  );
  ctx.emit({ type: "conference", conferenceId: conference.id, event: "created" });
  const body = ctx.webhookBody("createConference", {
    conferenceId: conference.id,
    status: conference.status,
  });
  return continueWith(ctx, attrs.actionUrl, body);
};
