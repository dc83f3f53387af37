import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { buildApi } from "../api/app.js";
import { createAudioService } from "../engine/audio-service.js";
import { type Clock, RealClock } from "../engine/clock.js";
import { DEFAULT_LIMITS, Engine } from "../engine/engine.js";
import { loadSpeechEngine } from "../media/tts.js";
import { LocalBlobStore } from "../store/local-blob-store.js";
import { openSqliteStore } from "../store/sql/open-sqlite.js";
import type { AccountRow, Store } from "../store/types.js";
import { type BelayAppClient, createAppClient } from "../webhooks/app-client.js";
import type { BelayConfig } from "./config.js";
import { ensureDefaultAccount } from "./default-account.js";
import { PrivacySweeper } from "./privacy-sweeper.js";

export interface Belay {
  readonly config: BelayConfig;
  readonly store: Store;
  readonly engine: Engine;
  readonly app: BelayAppClient;
  readonly api: FastifyInstance;
  readonly account: AccountRow;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly privacy: PrivacySweeper;
  /** The base URL handed out in recordingUrl; known once listening. */
  publicUrl(): string;
  listen(): Promise<string>;
  /** Hangs up live calls (their recordings and webhooks complete), then closes everything. */
  close(): Promise<void>;
}

/** The composition root: config → store → engine → webhooks → API. */
export async function createBelay(config: BelayConfig, logger?: Logger): Promise<Belay> {
  const log =
    logger ??
    pino({ level: config.logLevel, redact: ["apiKey", "signingSecret", "*.apiKey", "*.signingSecret"] });
  await mkdir(config.dataDir, { recursive: true });
  const store = await openSqliteStore(path.join(config.dataDir, "belay.db"));
  const blobs = new LocalBlobStore(path.join(config.dataDir, "blobs"));
  const clock = config.clock ?? new RealClock();
  const account = await ensureDefaultAccount(store, config.credentials);
  const speech = await loadSpeechEngine();
  if (!speech) log.warn("no speech engine: install the optional dependency espeak-ng for Say");
  const app = createAppClient({
    deliveries: store.deliveries,
    clock,
    logger: log,
    async secretsFor(accountId) {
      const row = await store.accounts.get(accountId);
      return row ? [row.signingSecret] : [];
    },
  });
  let baseUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const engine = new Engine({
    store,
    blobs,
    app,
    audio: createAudioService({ store, blobs, speech, logger: log }),
    clock,
    logger: log,
    get publicUrl() {
      return baseUrl;
    },
    limits: DEFAULT_LIMITS,
  });
  const privacy = new PrivacySweeper({ store, blobs, clock, logger: log }, config.privacySweepMs);
  const api = await buildApi({ store, blobs, engine, logger: log, publicUrl: () => baseUrl });
  app.startOutbox();
  privacy.start();

  return {
    config,
    store,
    engine,
    app,
    api,
    account,
    clock,
    logger: log,
    privacy,
    publicUrl: () => baseUrl,
    async listen() {
      await api.listen({ port: config.port, host: config.host });
      const address = api.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      baseUrl = config.publicUrl ?? `http://${config.host}:${port}`;
      return baseUrl;
    },
    async close() {
      privacy.stop();
      await engine.shutdown();
      await app.drainOutbox().catch(() => undefined);
      await app.stopOutbox();
      await api.close();
      await store.close();
    },
  };
}
