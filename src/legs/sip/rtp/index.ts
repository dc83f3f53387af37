export { openRtpSession, RtpSession, type RtpSessionOptions } from "./session.js";
export type { RtpMedia, RtpStats } from "./types.js";
