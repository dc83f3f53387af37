import type { Logger } from "pino";
import type { PerclCommand } from "../contract/percl/index.js";
import type { BlobStore } from "../store/blob-store.js";
import type { Store } from "../store/types.js";
import type { Clock } from "../time/clock.js";
import type { AudioService } from "./audio-service.js";
import { Call, type CallHost, type CallOutcome, type CallSpec } from "./call.js";
import { ConferenceRegistry } from "./conference/registry.js";
import type { AppClient, Dialer } from "./ports.js";
import { QueueRegistry } from "./queue/registry.js";

export interface EngineLimits {
  /** A call that runs this long is ended with `maxDuration`. */
  maxCallDurationMs: number;
}

export interface EngineDeps {
  store: Store;
  blobs: BlobStore;
  app: AppClient<PerclCommand[]>;
  audio: AudioService;
  clock: Clock;
  logger: Logger;
  /** Base of every URL Belay hands out (recordingUrl). */
  publicUrl: string;
  limits: EngineLimits;
  /** Where OutDial finds its legs; without it OutDial fails the new call with the reason. */
  dialer?: Dialer;
}

export const DEFAULT_LIMITS: EngineLimits = { maxCallDurationMs: 4 * 60 * 60 * 1000 };

/** Runs calls and knows which are live, so they can be listed, hung up, or drained on shutdown. */
export class Engine {
  private readonly live = new Map<string, { call: Call; done: Promise<CallOutcome> }>();
  /** The live conferences, on whichever clock each one's calls share. */
  readonly conferences: ConferenceRegistry;
  /** The call queues and who waits in each. */
  readonly queues: QueueRegistry;
  private readonly host: CallHost;
  private readonly callListeners: Array<(call: Call) => void> = [];

  constructor(readonly deps: EngineDeps) {
    this.conferences = new ConferenceRegistry(deps);
    this.queues = new QueueRegistry(deps);
    this.host = {
      conferences: this.conferences,
      queues: this.queues,
      dialer: deps.dialer,
      start: (spec, clock) => this.start(spec, { clock }),
    };
  }

  /**
   * Starts a call. `clock` runs this one call on its own clock (a virtual call on simulated time);
   * `onCreated` sees the Call before it runs, to subscribe to its timeline; so does the spec's
   * `run.onCall`, for this call and every call it dials.
   */
  start(
    spec: CallSpec,
    options: { clock?: Clock; onCreated?: (call: Call) => void } = {},
  ): { call: Call; done: Promise<CallOutcome> } {
    const deps = options.clock ? { ...this.deps, clock: options.clock } : this.deps;
    const call = new Call(deps, spec, this.host);
    for (const listener of this.callListeners) listener(call);
    options.onCreated?.(call);
    const done = call.run().finally(() => this.live.delete(call.id));
    const entry = { call, done };
    spec.run?.onCall?.(call, done);
    this.live.set(call.id, entry);
    return entry;
  }

  /** Told of every call this engine starts, before it runs (to subscribe to its timeline). */
  onCall(listener: (call: Call) => void): void {
    this.callListeners.push(listener);
  }

  get(callId: string): Call | undefined {
    return this.live.get(callId)?.call;
  }

  /** Resolves when a live call has ended (its row final, its webhooks queued); undefined if not live. */
  whenEnded(callId: string): Promise<CallOutcome> | undefined {
    return this.live.get(callId)?.done;
  }

  liveCount(): number {
    return this.live.size;
  }

  /** Hangs up every live call and waits until each has finished its recordings and webhooks. */
  async shutdown(): Promise<void> {
    const entries = [...this.live.values()];
    for (const { call } of entries) call.hangup("callCanceled");
    await Promise.allSettled(entries.map((e) => e.done));
    // Calls placed while ending (an OutDial just started) end too; then conferences nobody is in.
    const late = [...this.live.values()];
    for (const { call } of late) call.hangup("callCanceled");
    await Promise.allSettled(late.map((e) => e.done));
    await this.conferences.shutdown();
  }
}
