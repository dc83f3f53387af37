import type { CommandHandler } from "./types.js";

export const hangup: CommandHandler<"Hangup"> = async () => ({ kind: "end", reason: "appHangup" });

export const reject: CommandHandler<"Reject"> = async () => ({ kind: "end", reason: "appReject" });
