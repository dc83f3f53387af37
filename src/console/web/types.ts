// The shapes the server sends, typed from the server's own definitions (type-only: nothing of the
// server is bundled).

export type { CallResult, RecordingResult } from "../../contract/rest.js";
export type { TimelineEvent } from "../../engine/timeline.js";
export type { FeedMessage } from "../call-feed.js";
export type { ConsoleWebhook } from "../console-webhook.js";
export type { PerclAnswer } from "../percl-answers.js";
