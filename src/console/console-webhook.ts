/** One webhook Belay sent for a call, as the delivery log keeps it (the page's timeline shows its body). */
export interface ConsoleWebhook {
  requestType: string;
  url: string;
  /** The JSON sent; privacyMode input is null in it (then `redacted`), as the log stores it. */
  body: unknown;
  redacted: boolean;
  state: string;
  status: number | null;
  error: string | null;
  latencyMs: number | null;
  attempts: number;
}
