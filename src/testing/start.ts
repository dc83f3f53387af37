import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { routeVirtualCall } from "../api/virtual-call-routing.js";
import { directRouting } from "../calls/inbound-route.js";
import { runVirtualCall } from "../calls/virtual-call.js";
import type { TimelineEvent } from "../engine/timeline.js";
import { BelayError } from "../errors.js";
import { loadSpeechEngine } from "../media/tts.js";
import { type Belay, createBelay } from "../server/belay.js";
import { resolveConfig } from "../server/config.js";
import { type AppHandler, AppHost } from "./app-host.js";
import { appUrls } from "./app-urls.js";
import { buildResult } from "./build-result.js";
import { type CallOptions, checkCall } from "./options.js";
import type { CallResult } from "./result.js";
import { runTestScenario, type ScenarioOptions, type ScenarioRun } from "./scenario.js";
import { signatureVerifies } from "./signature-check.js";
import { type SentWebhook, WebhookLog } from "./webhook-log.js";

// The speech engine's worker starts while the test file is still loading, rather than in the
// first startBelay(): Belay loads it once per process.
loadSpeechEngine().catch(() => undefined);

export interface StartBelayOptions {
  /** The data folder; default a new temporary folder, deleted by close(). A folder given here is kept. */
  dataDir?: string;
  /** Calls run on a simulated clock unless a call says `fast: false`. Default true. */
  fast?: boolean;
  /** The app calls go to when a call names none. */
  app?: string | AppHandler;
  /** The default account's credentials; generated when not given. */
  accountId?: string;
  apiKey?: string;
  signingSecret?: string;
  /** Belay's log level (pino). Default `silent`. */
  logLevel?: string;
  /** Time limit for one webhook request, in ms. Default 10000, as on FreeClimb. */
  webhookTimeoutMs?: number;
}

/** A Belay running inside the test's process, and what a test does with it. */
export interface TestBelay {
  /** Belay's REST API (FreeClimb's, under /apiserver) on 127.0.0.1, for the SDK or fetch. */
  readonly url: string;
  readonly accountId: string;
  readonly apiKey: string;
  /** The account's signing secret, for an app that verifies FreeClimb-Signature. */
  readonly signingSecret: string;
  readonly dataDir: string;
  /** The Belay itself (store, engine, API), for what the kit does not cover. */
  readonly belay: Belay;
  /** Places one virtual call and resolves once it has ended, its recordings and webhooks in. */
  call(options?: CallOptions): Promise<CallResult>;
  /**
   * Runs several callers and the devices their apps dial on one clock, as `belay call --scenario`
   * does (docs/virtual-calls.md#scenarios); resolves once every call has ended.
   */
  scenario(options: ScenarioOptions): Promise<ScenarioRun>;
  /** The URL an in-process handler is served at (`http://127.0.0.1:<port>`), starting it if need be. */
  urlOf(handler: AppHandler): Promise<string>;
  /** Whether a webhook's FreeClimb-Signature verifies with the account's signing secret. */
  webhookVerified(webhook: SentWebhook): boolean;
  /** Ends live calls, stops Belay and the handlers' servers, deletes a temporary data folder. */
  close(): Promise<void>;
}

/**
 * Starts Belay in this process on a temporary data folder, its REST API on a 127.0.0.1 port, its
 * log silent, SIP off. In-process only: the kit records every webhook and its answer from inside
 * Belay's webhook client, which a Belay in another process cannot show it.
 */
export async function startBelay(options: StartBelayOptions = {}): Promise<TestBelay> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "belay-testing-")));
  const temporary = options.dataDir === undefined;
  const log = new WebhookLog();
  let belay: Belay;
  try {
    // An empty environment: BELAY_* variables of whoever runs the tests do not leak in.
    const config = resolveConfig(
      {
        dataDir,
        port: 0,
        host: "127.0.0.1",
        logLevel: options.logLevel ?? "silent",
        sipPort: 0,
        credentials: {
          ...(options.accountId ? { accountId: options.accountId } : {}),
          ...(options.apiKey ? { apiKey: options.apiKey } : {}),
          ...(options.signingSecret ? { signingSecret: options.signingSecret } : {}),
        },
        ...(options.webhookTimeoutMs ? { webhookTimeoutMs: options.webhookTimeoutMs } : {}),
      },
      {},
    );
    belay = await createBelay(config, undefined, {
      role: "belay/testing",
      onWebhookExchange: (exchange) => log.record(exchange),
    });
  } catch (err) {
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = await belay.listen();
  const host = new AppHost();
  const { accountId, apiKey, signingSecret } = belay.account;
  const verified = (webhook: SentWebhook) => signatureVerifies(webhook, signingSecret);

  return {
    url,
    accountId,
    apiKey,
    signingSecret,
    dataDir,
    belay,
    urlOf: (handler) => host.baseUrlOf(handler),
    webhookVerified: verified,
    async call(callOptions = {}) {
      const app = callOptions.app ?? options.app;
      const urls = await appUrls(host, app, callOptions);
      const checked = await checkCall(callOptions, urls, callOptions.fast ?? options.fast ?? true);
      const routing = checked.appUrl
        ? directRouting(accountId, checked.appUrl, checked.statusUrl)
        : await routeVirtualCall(belay, accountId, checked).catch((err: unknown) => {
            throw new BelayError("TESTKIT_NO_ROUTE", (err as Error).message);
          });
      const timeline: TimelineEvent[] = [];
      const { outcome } = await runVirtualCall(
        belay.engine,
        { routing, from: checked.from, to: checked.to, fast: checked.fast, script: checked.script },
        (event) => timeline.push(event),
      );
      // callStatus goes through the outbox: the result waits until it has been sent.
      await belay.app.drainOutbox();
      const webhooks = [outcome.callId, ...dialledIds(timeline)].flatMap((id) => log.take(id));
      return buildResult(belay, outcome, timeline, webhooks, verified);
    },
    scenario: (scenarioOptions) =>
      runTestScenario(
        { belay, host, log, defaultApp: options.app, fast: options.fast ?? true, verified },
        scenarioOptions,
      ),
    async close() {
      try {
        await belay.close();
      } finally {
        await host.close();
        if (temporary) await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** The calls this call dialled (OutDial), whose webhooks belong to its result too. */
function dialledIds(timeline: readonly TimelineEvent[]): string[] {
  return timeline.flatMap((event) => (event.type === "outDial" ? [event.dialCallId] : []));
}
