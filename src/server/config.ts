import path from "node:path";
import { DEFAULTS } from "../contract/defaults.js";
import type { Clock } from "../engine/clock.js";
import { BelayError } from "../errors.js";

/** Everything `belay serve` can be told; each has a default so `npm start` just works. */
export interface BelayConfig {
  dataDir: string;
  port: number;
  host: string;
  /** Base of every URL Belay hands out; defaults to http://<host>:<port>. */
  publicUrl?: string;
  credentials: {
    accountId?: string;
    apiKey?: string;
    signingSecret?: string;
  };
  logLevel: string;
  /** A simulated clock for tests and --fast; real time otherwise. */
  clock?: Clock;
  /** How often expired privacyMode recordings are swept, in ms. */
  privacySweepMs: number;
  /** Limit on connection plus response for one webhook request, in ms (CONTRACT.md section 6: 10 s). */
  webhookTimeoutMs: number;
  /** Serve HTTPS with this PEM certificate and key (FreeClimb's SDK speaks only HTTPS). */
  tls?: { certFile: string; keyFile: string };
}

export const CONFIG_DEFAULTS = {
  dataDir: ".belay",
  port: 8080,
  host: "127.0.0.1",
  logLevel: "info",
  privacySweepMs: 10_000,
  webhookTimeoutMs: DEFAULTS.webhookTimeoutMs,
} as const;

/** Defaults, overlaid with BELAY_* variables, overlaid with explicit options (flags). */
export function resolveConfig(
  options: Partial<Omit<BelayConfig, "credentials">> & { credentials?: BelayConfig["credentials"] },
  env: NodeJS.ProcessEnv = process.env,
): BelayConfig {
  const credentials = {
    ...definedEntries({
      accountId: env.BELAY_ACCOUNT_ID,
      apiKey: env.BELAY_API_KEY,
      signingSecret: env.BELAY_SIGNING_SECRET,
    }),
    ...definedEntries(options.credentials ?? {}),
  };
  const config: BelayConfig = {
    dataDir: path.resolve(options.dataDir ?? env.BELAY_DATA_DIR ?? CONFIG_DEFAULTS.dataDir),
    port: options.port ?? numberFrom(env.BELAY_PORT) ?? CONFIG_DEFAULTS.port,
    host: options.host ?? env.BELAY_HOST ?? CONFIG_DEFAULTS.host,
    credentials,
    logLevel: options.logLevel ?? env.BELAY_LOG_LEVEL ?? CONFIG_DEFAULTS.logLevel,
    privacySweepMs: options.privacySweepMs ?? CONFIG_DEFAULTS.privacySweepMs,
    webhookTimeoutMs:
      options.webhookTimeoutMs ??
      positiveFrom("BELAY_WEBHOOK_TIMEOUT_MS", env.BELAY_WEBHOOK_TIMEOUT_MS) ??
      CONFIG_DEFAULTS.webhookTimeoutMs,
  };
  if (!(Number.isInteger(config.webhookTimeoutMs) && config.webhookTimeoutMs > 0)) {
    throw new BelayError(
      "CONFIG_INVALID",
      `webhookTimeoutMs must be a whole number of milliseconds above 0, got ${config.webhookTimeoutMs}`,
    );
  }
  const tls = options.tls ?? tlsFrom(env);
  if (tls) config.tls = { certFile: path.resolve(tls.certFile), keyFile: path.resolve(tls.keyFile) };
  const publicUrl = options.publicUrl ?? env.BELAY_PUBLIC_URL;
  if (publicUrl) config.publicUrl = publicUrl.replace(/\/+$/, "");
  if (options.clock) config.clock = options.clock;
  return config;
}

/** BELAY_TLS_CERT and BELAY_TLS_KEY come as a pair: one without the other is a mistake worth stopping for. */
function tlsFrom(env: NodeJS.ProcessEnv): BelayConfig["tls"] {
  const certFile = env.BELAY_TLS_CERT || undefined;
  const keyFile = env.BELAY_TLS_KEY || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new BelayError("CONFIG_INVALID", "BELAY_TLS_CERT and BELAY_TLS_KEY must be set together");
  return { certFile, keyFile };
}

function numberFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

/** An environment variable that must be a positive integer when set: a typo is an error, not a default. */
function positiveFrom(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0))
    throw new BelayError("CONFIG_INVALID", `${name} "${value}" must be a whole number above 0`);
  return n;
}

function definedEntries<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== ""),
  ) as Partial<T>;
}
