import { DEFAULTS } from "../../contract/defaults.js";
import { continueWith } from "./continue-with.js";
import type { AttrsOf, CommandHandler } from "./types.js";

/**
 * Places a new call (direction outboundDial, this call its parent) and hands this call back to the
 * app at once with outDialStart; the new call rings on its own and asks `callConnectUrl` for its
 * PerCL when it connects (outDialConnect).
 */
export const outDial: CommandHandler<"OutDial"> = async (attrs, ctx) => {
  const dialCallId = await ctx.dialOut({
    from: attrs.callingNumber,
    to: attrs.destination,
    callConnectUrl: attrs.callConnectUrl,
    statusCallbackUrl: attrs.statusCallbackUrl ?? null,
    timeoutMs: (attrs.timeout ?? DEFAULTS.outDial.timeoutSec) * 1000,
    ...(attrs.sendDigits ? { sendDigits: attrs.sendDigits } : {}),
    ...(attrs.privacyMode ? { privacyMode: true } : {}),
    ...(attrs.ifMachine
      ? { machine: { ifMachine: attrs.ifMachine, ifMachineUrl: attrs.ifMachineUrl ?? null } }
      : {}),
  });
  ctx.emit({ type: "outDial", dialCallId, to: attrs.privacyMode ? null : attrs.destination });
  return continueWith(ctx, attrs.actionUrl, ctx.webhookBody("outDialStart", { dialCallId }));
};

/** The timeline shows whom it dials, or that privacyMode withholds it. */
export const describeOutDial = (attrs: AttrsOf<"OutDial">): string =>
  attrs.privacyMode ? "(destination withheld: privacyMode)" : `→ ${attrs.destination}`;
