/** Reasons that mean the app, its PerCL or Belay failed the call: `belay call` exits non-zero on them. */
export const FAILURE_REASONS: ReadonlySet<string> = new Set([
  "webhookFailed",
  "webhookInvalidResponse",
  "appNoPercl",
  "appInvalidPercl",
  "perclProcessingError",
  "maxRedirectsError",
  "configErrorNoApplication",
  "configErrorNoVoiceUrl",
  "internalError",
]);
