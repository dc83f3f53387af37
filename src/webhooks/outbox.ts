/**
 * The durable notification outbox (docs/contract.md §6): rows stored by `notify` are sent,
 * retried with backoff until a 2xx or until a day has passed, and survive restarts because the
 * store, not this object, holds them. All waiting runs on the Clock.
 *
 * Guarantees within one process: a row is never sent twice at once; one call's notifications go
 * out in the order they were stored (a later row waits while an older one of the same call is
 * pending, so a callStatus never overtakes that call's record webhook); at most `maxInFlight`
 * requests are open. Across processes sharing a store there is no claim, so delivery is
 * at-least-once and apps drop duplicates by the Belay-Delivery-Id header.
 */
import type { Logger } from "pino";
import type { WebhookDeliveryRepo, WebhookDeliveryRow } from "../store/types.js";
import type { Clock, Timer } from "../time/clock.js";
import { retryDelayMs } from "./backoff.js";
import { displayUrl } from "./classify.js";
import { type PostResult, refusalFields } from "./http-post.js";

export const DEFAULT_MAX_IN_FLIGHT = 16;
export const DEFAULT_MAX_AGE_MS = 24 * 60 * 60_000;
/** Safety net for rows this process did not schedule itself (another node, or beyond the start scan). */
export const DEFAULT_POLL_MS = 60_000;
const START_SCAN_LIMIT = 256;

export interface OutboxTuning {
  maxInFlight?: number;
  /** How long after a row's creation it is retried before being marked failed. */
  maxAgeMs?: number;
  pollMs?: number;
  /** Source of retry jitter in [0, 1); `() => 0` removes it (tests). */
  random?: () => number;
}

export interface OutboxDeps extends OutboxTuning {
  deliveries: WebhookDeliveryRepo;
  clock: Clock;
  logger: Logger;
  /** Signs and posts one stored row; may reject (e.g. the account's secrets cannot be read). */
  send(row: WebhookDeliveryRow): Promise<PostResult>;
}

export class Outbox {
  private readonly deliveries: WebhookDeliveryRepo;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly send: (row: WebhookDeliveryRow) => Promise<PostResult>;
  private readonly maxInFlight: number;
  private readonly maxAgeMs: number;
  private readonly pollMs: number;
  private readonly random: () => number;

  private running = false;
  private draining = 0;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly busyCalls = new Set<string>();
  /**
   * Rows this process stored and has not yet delivered or given up on, and how many per call: a
   * new row whose call has none of them can go out at once, without reading the store back.
   */
  private readonly ownPending = new Set<string>();
  private readonly ownPendingPerCall = new Map<string, number>();
  /** Of ownPending, how many are in flight. */
  private ownInFlight = 0;
  /** Passes started and not finished (the queued one included). */
  private passesActive = 0;
  /** The last pass left rows in the store it did not start (another process's, or past its limit). */
  private storeMayHoldMore = true;
  /** One timer per distinct retry time, so no pending row waits for the poll. */
  private readonly wakeTimers = new Map<number, Timer>();
  private pollTimer: Timer | null = null;
  // Passes run one at a time; callers asking while one waits to start share it.
  private passChain: Promise<unknown> = Promise.resolve();
  private queuedPass: Promise<number> | null = null;

  constructor(deps: OutboxDeps) {
    this.deliveries = deps.deliveries;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.send = deps.send;
    this.maxInFlight = Math.max(1, deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.maxAgeMs = deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedulePoll();
    void this.requestPass();
    void this.clock.track(this.wakeForStoredRows());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pollTimer?.cancel();
    this.pollTimer = null;
    for (const timer of this.wakeTimers.values()) timer.cancel();
    this.wakeTimers.clear();
    await this.passChain;
    await Promise.all(this.inFlight.values());
  }

  /**
   * A row was just stored, due now. It goes out at once when nothing can be ahead of it: there is
   * room, no pass is choosing rows, and its call has no row in flight or pending in this process.
   * Otherwise a pass finds it in the store, in order.
   */
  stored(row: WebhookDeliveryRow): void {
    const { callId } = row;
    const aheadOfIt =
      callId !== null && (this.busyCalls.has(callId) || (this.ownPendingPerCall.get(callId) ?? 0) > 0);
    this.ownPending.add(row.deliveryId);
    if (callId !== null) this.ownPendingPerCall.set(callId, (this.ownPendingPerCall.get(callId) ?? 0) + 1);
    if (!this.running) return;
    if (!aheadOfIt && this.passesActive === 0 && this.inFlight.size < this.maxInFlight) this.launch(row);
    else void this.requestPass();
  }

  /** Sends whatever is due (started or not) and resolves once nothing due can be sent or is in flight. */
  async drain(): Promise<void> {
    this.draining++;
    try {
      for (;;) {
        const started = await this.requestPass();
        if (started === 0 && this.inFlight.size === 0) return;
        await Promise.all(this.inFlight.values());
      }
    } finally {
      this.draining--;
    }
  }

  private requestPass(): Promise<number> {
    if (this.queuedPass) return this.queuedPass;
    this.passesActive++;
    const pass = this.clock.track(
      this.passChain
        .then(() => {
          this.queuedPass = null;
          return this.runPass();
        })
        .finally(() => {
          this.passesActive--;
        }),
    );
    this.queuedPass = pass;
    this.passChain = pass;
    return pass;
  }

  /** Starts every due row it may; returns how many it started. Never rejects. */
  private async runPass(): Promise<number> {
    if (!this.running && this.draining === 0) return 0;
    let started = 0;
    try {
      const room = this.maxInFlight - this.inFlight.size;
      if (room > 0) {
        // Extra rows so that rows held back for ordering do not hide sendable ones behind them.
        const limit = room + 3 * this.maxInFlight;
        const due = await this.deliveries.listDue(this.clock.now(), limit);
        this.storeMayHoldMore =
          due.length >= limit || due.some((row) => !this.ownPending.has(row.deliveryId));
        const heads = new Map<string, string | null>();
        for (const row of due) {
          if (this.inFlight.size >= this.maxInFlight) break;
          if (this.inFlight.has(row.deliveryId)) continue;
          if (row.callId !== null) {
            if (this.busyCalls.has(row.callId)) continue;
            let head = heads.get(row.callId);
            if (head === undefined) {
              head = await this.oldestPendingOf(row.callId);
              heads.set(row.callId, head);
            }
            if (head !== row.deliveryId) continue;
          }
          this.launch(row);
          started++;
        }
      }
    } catch (err) {
      this.storeMayHoldMore = true;
      this.logger.error({ err }, "webhook outbox could not read due notifications; will try again");
    }
    return started;
  }

  /** The id of the call's oldest pending notification (stable: ties keep the store's order). */
  private async oldestPendingOf(callId: string): Promise<string | null> {
    let head: WebhookDeliveryRow | null = null;
    for (const row of await this.deliveries.listByCall(callId)) {
      if (!row.durable || row.state !== "pending") continue;
      if (head === null || row.dateCreated < head.dateCreated) head = row;
    }
    return head?.deliveryId ?? null;
  }

  private launch(row: WebhookDeliveryRow): void {
    const { callId, deliveryId } = row;
    if (callId !== null) this.busyCalls.add(callId);
    const own = this.ownPending.has(deliveryId);
    if (own) this.ownInFlight++;
    const done = this.clock.track(this.attempt(row)).finally(() => {
      if (own) this.ownInFlight--;
      this.inFlight.delete(deliveryId);
      if (callId !== null) this.busyCalls.delete(callId);
      // Read the store again only when something may be waiting there: a row held back, one
      // stored by another process (else the poll finds it), or a drain in progress.
      if (this.draining > 0 || (this.running && this.mayHaveWaiting())) void this.requestPass();
    });
    this.inFlight.set(deliveryId, done);
  }

  /**
   * Whether the store may hold a row to send: one of this process's pending and not in flight
   * (held back, or retrying), or one the last pass left there.
   */
  private mayHaveWaiting(): boolean {
    return this.ownPending.size > this.ownInFlight || this.storeMayHoldMore;
  }

  /** A row reached delivered or failed: it no longer holds its call's later rows back. */
  private settled(row: WebhookDeliveryRow): void {
    if (!this.ownPending.delete(row.deliveryId) || row.callId === null) return;
    const left = (this.ownPendingPerCall.get(row.callId) ?? 1) - 1;
    if (left > 0) this.ownPendingPerCall.set(row.callId, left);
    else this.ownPendingPerCall.delete(row.callId);
  }

  private async attempt(row: WebhookDeliveryRow): Promise<void> {
    let result: PostResult;
    try {
      result = await this.send(row);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      result = { ok: false, kind: "unreachable", status: null, errno: null, error, latencyMs: 0 };
    }
    const attempts = row.attempts + 1;
    const { status, latencyMs } = result;
    const context = {
      deliveryId: row.deliveryId,
      url: displayUrl(row.url),
      requestType: row.requestType,
      callId: row.callId,
      status,
      attempts,
    };
    try {
      if (result.ok && status !== null && status >= 200 && status < 300) {
        await this.deliveries.update(row.deliveryId, {
          state: "delivered",
          attempts,
          nextAttemptAt: null,
          lastStatus: status,
          lastError: null,
          latencyMs,
        });
        this.settled(row);
        this.logger.debug({ ...context, latencyMs }, "notification delivered");
        return;
      }
      const lastError = result.ok ? `answered ${status}` : result.error;
      const now = this.clock.now();
      const deadline = row.dateCreated + this.maxAgeMs;
      // A URL that cannot be used, or a target the policy refuses, fails the same way next time.
      const permanent = !result.ok && (result.kind === "invalidUrl" || result.kind === "refused");
      if (permanent || now >= deadline) {
        await this.deliveries.update(row.deliveryId, {
          state: "failed",
          attempts,
          nextAttemptAt: null,
          lastStatus: status,
          lastError,
          latencyMs,
        });
        this.settled(row);
        const why = permanent
          ? result.ok || result.kind !== "refused"
            ? "the URL cannot be used"
            : "the webhook target policy refuses it"
          : `still failing ${Math.round(this.maxAgeMs / 60_000)} min after it was queued`;
        this.logger.error(
          { ...context, ...refusalFields(result) },
          `gave up on the ${row.requestType} webhook to ${context.url} after ${attempts} attempts (${why}): ${lastError}`,
        );
        return;
      }
      const nextAttemptAt = Math.min(now + retryDelayMs(attempts, this.random), deadline);
      await this.deliveries.update(row.deliveryId, {
        attempts,
        nextAttemptAt,
        lastStatus: status,
        lastError,
        latencyMs,
      });
      this.wakeAt(nextAttemptAt);
      this.logger.warn(
        { ...context, nextAttemptAt },
        `POST ${context.url} (${row.requestType} notification) failed: ${lastError}; retrying in ${nextAttemptAt - now} ms`,
      );
    } catch (err) {
      this.logger.error({ ...context, err }, "webhook outbox could not record a delivery attempt");
    }
  }

  /** After a restart, sets wake-ups for rows stored before it (due ones go out in the first pass). */
  private async wakeForStoredRows(): Promise<void> {
    try {
      const now = this.clock.now();
      for (const row of await this.deliveries.listDue(Number.MAX_SAFE_INTEGER, START_SCAN_LIMIT)) {
        if (row.nextAttemptAt !== null && row.nextAttemptAt > now) this.wakeAt(row.nextAttemptAt);
      }
    } catch (err) {
      this.logger.error({ err }, "webhook outbox could not scan pending notifications");
    }
  }

  /** Makes sure a pass runs at `at`. */
  private wakeAt(at: number): void {
    if (!this.running || this.wakeTimers.has(at)) return;
    const timer = this.clock.setTimeout(() => {
      this.wakeTimers.delete(at);
      void this.requestPass();
    }, at - this.clock.now());
    this.wakeTimers.set(at, timer);
  }

  private schedulePoll(): void {
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = null;
      if (!this.running) return;
      this.schedulePoll();
      void this.requestPass();
    }, this.pollMs);
  }
}
