/**
 * Where a call waits with a wait script playing: a queue (Enqueue) or on hold (Park). The wait
 * script's Dequeue or Unpark, or the REST API, releases it; the command that put the call there
 * then continues with its actionUrl.
 */
export interface Hold {
  readonly kind: "queue" | "park";
  /** The queue the call waits in: webhooks carry it as queueId while the call is in it. */
  readonly queueId: string | null;
  /**
   * Ends the hold (Dequeue, Unpark, REST). False when it had already ended. `by` says which, for a
   * webhook that reports it (Park's parkResult).
   */
  release(by?: "command" | "api"): boolean;
}
