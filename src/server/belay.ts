import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { buildApi } from "../api/app.js";
import { CallLogWriter } from "../calls/call-log-writer.js";
import { createDialer } from "../calls/outbound-call.js";
import { consoleRoutes } from "../console/console-plugin.js";
import { PerclAnswers } from "../console/percl-answers.js";
import { createAudioService } from "../engine/audio-service.js";
import { DEFAULT_LIMITS, Engine } from "../engine/engine.js";
import type { Dialer } from "../engine/ports.js";
import { BelayError } from "../errors.js";
import type { SipService } from "../legs/sip/sip-service.js";
import { loadSpeechEngine } from "../media/tts.js";
import { LocalBlobStore } from "../store/local-blob-store.js";
import { openSqliteStore } from "../store/sql/open-sqlite.js";
import type { AccountRow, Store } from "../store/types.js";
import { type Clock, RealClock } from "../time/clock.js";
import { type BelayAppClient, createAppClient, type WebhookExchange } from "../webhooks/app-client.js";
import { WebhookTargetPolicy } from "../webhooks/target-policy.js";
import { CallLogPruner } from "./call-log-pruner.js";
import type { BelayConfig } from "./config.js";
import { CrashRecovery } from "./crash-recovery.js";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.js";
import { ensureDefaultAccount } from "./default-account.js";
import { DeliveryLogPruner } from "./delivery-log-pruner.js";
import { DiskGuard } from "./disk-guard.js";
import { DiskReserve } from "./disk-reserve.js";
import { isOff, statfsProbe } from "./disk-space.js";
import { PrivacySweeper } from "./privacy-sweeper.js";
import { cachedSigningSecrets } from "./signing-secrets.js";
import { startSip } from "./sip.js";

/** The SQLite database's name inside the data folder. */
export const DATABASE_FILE = "belay.db";

/** The disk reserve's name inside the data folder (docs/operations/disk-space.md). */
export const RESERVE_FILE = "disk-reserve";

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
  /** Keeps the webhook delivery log to --webhook-log-retention. */
  readonly deliveryLog: DeliveryLogPruner;
  /** Stores every call's log (GET /Logs); `settled()` when all emitted so far is stored. */
  readonly callLogs: CallLogWriter;
  /** Keeps call logs to --webhook-log-retention too, pruned whenever the delivery log is. */
  readonly callLogRetention: CallLogPruner;
  /** Where webhooks may go; knows Belay's own ports once they are bound. */
  readonly webhookPolicy: WebhookTargetPolicy;
  /** Free disk space against --min-free-disk; undefined when that is off (0). */
  readonly disk: DiskGuard | undefined;
  /** SIP over UDP; undefined when off (--sip-port 0). */
  readonly sip: SipService | undefined;
  /** `udp:<address>:<port>` SIP listens on, or undefined when SIP is off. */
  sipAddress(): string | undefined;
  /** The base URL handed out in recordingUrl; known once listening. */
  publicUrl(): string;
  listen(): Promise<string>;
  /** Hangs up live calls (their recordings and webhooks complete), then closes everything. */
  close(): Promise<void>;
}

/** Fields pino writes as "[Redacted]": API credentials, and the SIP trunk's password should a config object reach a line. */
export const LOG_REDACT = [
  "apiKey",
  "signingSecret",
  "*.apiKey",
  "*.signingSecret",
  "password",
  "sipOutboundPassword",
  "*.password",
  "*.sipOutboundPassword",
];

/**
 * Belay's log: JSON lines with credentials redacted, on stdout (fd 1) for a server, or on stderr
 * (fd 2) where stdout carries a command's own output.
 */
export function belayLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino({ level, redact: LOG_REDACT }, pino.destination({ dest: fd, sync: true }));
}

export interface CreateBelayOptions {
  /** What this process is, named in the data folder's lock (e.g. `belay serve`). */
  role?: string;
  /** Told of every webhook request sent and its answer: the test kit (src/testing) records them. */
  onWebhookExchange?: (exchange: WebhookExchange) => void;
}

/**
 * The composition root: config → lock → store → crash recovery → engine → webhooks → API. The
 * data folder is locked for this process until close(): a second Belay on it is DATA_DIR_IN_USE.
 */
export async function createBelay(
  config: BelayConfig,
  logger?: Logger,
  options: CreateBelayOptions = {},
): Promise<Belay> {
  const log = logger ?? belayLogger(config.logLevel);
  // First: a bad certificate path stops Belay before it has opened anything.
  const tls = config.tls ? await readTls(config.tls) : undefined;
  await mkdir(config.dataDir, { recursive: true });
  const lock = await lockDataDir(config.dataDir, options.role ?? "belay");
  try {
    return await assemble(config, log, tls, lock, options.onWebhookExchange);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function assemble(
  config: BelayConfig,
  log: Logger,
  tls: { cert: Buffer; key: Buffer } | undefined,
  lock: DataDirLock,
  onWebhookExchange: CreateBelayOptions["onWebhookExchange"],
): Promise<Belay> {
  const clock = config.clock ?? new RealClock();
  // dateCreated and dateUpdated on the same clock as deadlines such as a recording's deleteAt.
  const disk = diskGuardFor(config, clock, log);
  const onDiskFull = () => disk?.diskFull() ?? false;
  const store = await openSqliteStore(path.join(config.dataDir, DATABASE_FILE), {
    now: () => clock.now(),
    onDiskFull,
  });
  const blobs = new LocalBlobStore(path.join(config.dataDir, "blobs"), {
    onDiskFull,
    diskIsFull: () => disk?.isFull() ?? false,
  });
  // Before any call can start: everything live in the store or on disk is a dead process's.
  const recovery = await CrashRecovery.settle({
    store,
    blobs,
    clock,
    logger: log,
    lastAliveAt: lock.previous?.lastAliveAt,
  }).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  if (!recovery.empty) {
    log.warn(
      { ...recovery.summary, previousPid: lock.previous?.pid ?? null },
      "finishing what a Belay process that died left on this data folder",
    );
  }
  const account = await ensureDefaultAccount(store, config.credentials);
  const speech = await loadSpeechEngine();
  if (!speech) log.warn("no speech engine: install the optional dependency espeak-ng for Say");
  const webhookPolicy = new WebhookTargetPolicy({ allow: config.webhookAllow, deny: config.webhookDeny });
  // Known now when fixed; port 0 gets its number at listen().
  webhookPolicy.addOwnPort(config.port, "HTTP");
  const app = createAppClient({
    targetPolicy: webhookPolicy,
    deliveries: store.deliveries,
    clock,
    logger: log,
    timeoutMs: config.webhookTimeoutMs,
    secretsFor: cachedSigningSecrets(store.accounts, () => clock.now()),
    ...(onWebhookExchange ? { onExchange: onWebhookExchange } : {}),
  });
  const scheme = config.tls ? "https" : "http";
  let baseUrl = config.publicUrl ?? `${scheme}://${config.host}:${config.port}`;
  // SIP starts after the engine (it hands calls to it): OutDial finds it here once it exists.
  let sipService: SipService | undefined;
  const dialer: Dialer = {
    outboundLeg: (request) => createDialer({ store, blobs, sip: sipService }).outboundLeg(request),
  };
  // The console shows each call's PerCL answers; it watches them on their way to the engine.
  const perclAnswers = new PerclAnswers();
  const engine = new Engine({
    dialer,
    store,
    blobs,
    app: perclAnswers.observe(app),
    audio: createAudioService({ store, blobs, speech, logger: log }),
    clock,
    logger: log,
    get publicUrl() {
      return baseUrl;
    },
    limits: DEFAULT_LIMITS,
  });
  const callLogs = new CallLogWriter({ logs: store.callLogs, logger: log });
  callLogs.attach(engine);
  const callLogRetention = new CallLogPruner(
    { logs: store.callLogs, clock, logger: log },
    { retentionMs: config.webhookLogRetentionMs },
  );
  const privacy = new PrivacySweeper({ store, blobs, clock, logger: log }, config.privacySweepMs);
  const deliveryLog = new DeliveryLogPruner(
    { deliveries: store.deliveries, clock, logger: log, onPruned: () => void callLogRetention.prune() },
    {
      retentionMs: config.webhookLogRetentionMs,
      everyMs: Math.min(config.webhookLogPruneMs, config.webhookLogRetentionMs),
    },
  );
  // While the disk is low the database keeps its WAL small. Deferred: the guard can hear of a
  // full disk from inside one of the store's own commits.
  disk?.onChange((accepting) => setImmediate(() => store.diskLow?.(!accepting)));
  // Measured before anything listens, so the first caller already meets the threshold.
  await disk?.start();
  const sip = await startSip({ config, engine, store, clock, logger: log, disk }).catch(
    async (err: unknown) => {
      disk?.stop();
      await store.close();
      throw err;
    },
  );
  sipService = sip;
  if (sip) webhookPolicy.addOwnPort(sip.address.port, "SIP");
  const apiDeps = {
    store,
    blobs,
    engine,
    logger: log,
    publicUrl: () => baseUrl,
    sip,
    disk,
    conferences: engine.conferences,
    queues: engine.queues,
  };
  const api = await buildApi(apiDeps, tls);
  // The web console sits on top of the API (it reuses the REST routes in-process).
  await api.register(consoleRoutes(apiDeps, perclAnswers));
  app.startOutbox();
  privacy.start();
  deliveryLog.start();
  // The webhooks recovery owes go out once recordingUrl's base is known (after listening).
  let recovered: Promise<void> | undefined;

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
    deliveryLog,
    callLogs,
    callLogRetention,
    webhookPolicy,
    sip,
    disk,
    sipAddress: () => (sip ? `udp:${sip.address.address}:${sip.address.port}` : undefined),
    publicUrl: () => baseUrl,
    async listen() {
      await api.listen({ port: config.port, host: config.host });
      const address = api.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      webhookPolicy.addOwnPort(port, "HTTP");
      baseUrl = config.publicUrl ?? `${scheme}://${config.host}:${port}`;
      recovered ??= recovery.notify(app, baseUrl);
      await recovered;
      return baseUrl;
    },
    async close() {
      privacy.stop();
      await deliveryLog.stop();
      await callLogRetention.stop();
      disk?.stop();
      // Live SIP calls get their BYE here; the socket stays open until the BYEs are answered.
      sip?.stopAccepting();
      await engine.shutdown();
      await callLogs.settled();
      await sip?.close();
      await app.drainOutbox().catch(() => undefined);
      await app.stopOutbox();
      await app.close();
      await closeApi(api);
      await store.close();
      await lock.release();
    },
  };
}

/** The disk guard and its reserve file in the data folder, or undefined when --min-free-disk is 0. */
function diskGuardFor(config: BelayConfig, clock: Clock, logger: Logger): DiskGuard | undefined {
  if (isOff(config.minFreeDisk)) return undefined;
  return new DiskGuard({
    probe: config.freeSpaceProbe ?? statfsProbe(config.dataDir),
    clock,
    logger,
    minFree: config.minFreeDisk,
    everyMs: config.diskCheckMs,
    reserve: new DiskReserve(path.join(config.dataDir, RESERVE_FILE)),
  });
}

async function readTls(tls: NonNullable<BelayConfig["tls"]>): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new BelayError("CONFIG_INVALID", `cannot read the TLS ${what} ${file}: ${reason}`);
    }
  };
  return { cert: await read(tls.certFile, "certificate"), key: await read(tls.keyFile, "key") };
}

/** How long requests still in flight at shutdown get to finish before their connections are cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * Stops the API. Node's server.close() also waits for connections that never sent a request (HTTP
 * clients open spares, e.g. after an aborted request) until its headers timeout, about a minute:
 * after a short grace for real requests, every remaining connection is closed.
 */
async function closeApi(api: FastifyInstance): Promise<void> {
  const grace = setTimeout(() => api.server.closeAllConnections(), CLOSE_GRACE_MS);
  try {
    await api.close();
  } finally {
    clearTimeout(grace);
  }
}
