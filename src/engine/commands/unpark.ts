import { NEXT } from "../context.js";
import type { CommandHandler } from "./types.js";

/**
 * Resumes the parked call: its Park goes on with `actionUrl`, and the rest of the wait script is
 * dropped. Outside a Park's wait script it is a mistake in the app (Belay decides, docs/parking.md).
 */
export const unpark: CommandHandler<"Unpark"> = async (_attrs, ctx) => {
  const hold = ctx.hold();
  if (hold?.kind === "park") {
    hold.release("command");
    return NEXT;
  }
  const message = "Unpark: the call is not parked (Unpark runs only in the wait script of a Park)";
  ctx.log.error({ hold: hold?.kind ?? null }, message);
  return { kind: "end", reason: "perclProcessingError", message };
};
