import { availableParallelism } from "node:os";
import path from "node:path";
import { DEFAULTS } from "../contract/defaults.js";
import { BelayError } from "../errors.js";
import { parseUri } from "../legs/sip/message/uri.js";
import type { Clock } from "../time/clock.js";
import { parseRange, parseRangeList } from "../webhooks/target-policy.js";
import { type FreeSpaceProbe, type MinFreeDisk, parseMinFreeDisk } from "./disk-space.js";
import { parseDuration } from "./duration.js";

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
  /** Limit on connection plus response for one webhook request, in ms (docs/contract.md §6: 10 s). */
  webhookTimeoutMs: number;
  /** Serve HTTPS with this PEM certificate and key (FreeClimb's SDK speaks only HTTPS). */
  tls?: { certFile: string; keyFile: string };
  /** UDP port for SIP; 0 turns SIP off (the default here; `belay serve` defaults to 5060). */
  sipPort: number;
  /** The address SIP advertises in Via, Contact and SDP; defaults to the listen host. */
  sipHost?: string;
  /** RTP ports, one per call, from this inclusive range. */
  rtpPorts: { min: number; max: number };
  /** Live SIP calls beyond this get 503 with Retry-After. */
  maxCalls: number;
  /**
   * Worker threads the calls' RTP runs on (docs/rtp.md#media-workers); 0 runs it on the main
   * thread. Only on the real clock: a simulated clock keeps RTP on the main thread.
   */
  mediaWorkers: number;
  /** Module URLs each media worker imports before its first call: diagnostics (the media benchmark's probe). */
  mediaWorkerImports?: string[];
  /** Where POST /Calls dials numbers that are not virtual devices, e.g. `sip:{to}@127.0.0.1:5080`. */
  sipOutbound?: string;
  /** Delivered and failed rows of the webhook delivery log are deleted this long after their last update. */
  webhookLogRetentionMs: number;
  /** How often the delivery log is pruned, in ms (at most the retention time). */
  webhookLogPruneMs: number;
  /** Address ranges webhooks may go to although the built-in policy refuses them (CIDR). */
  webhookAllow: string[];
  /** Address ranges webhooks may not go to (CIDR); the most specific range wins, deny on a tie. */
  webhookDeny: string[];
  /** New calls are refused while the data folder's disk has less free space than this; 0 is off. */
  minFreeDisk: MinFreeDisk;
  /** How often free disk space is measured, in ms. */
  diskCheckMs: number;
  /** Measures free space; statfs on the data folder unless a test injects one. */
  freeSpaceProbe?: FreeSpaceProbe;
  /** The user name Belay answers the SIP trunk's digest challenges with (and its AOR's user). */
  sipOutboundUsername?: string;
  /** Its password; best from BELAY_SIP_OUTBOUND_PASSWORD (a flag shows in `ps`). Never logged. */
  sipOutboundPassword?: string;
  /** A registrar Belay keeps a registration at while it runs, e.g. `sip:sip.example.com`. */
  sipRegister?: string;
  /** The registration lifetime asked for in each REGISTER, in seconds. */
  sipRegisterExpiresSec: number;
}

export const CONFIG_DEFAULTS = {
  dataDir: ".belay",
  port: 8080,
  host: "127.0.0.1",
  logLevel: "info",
  privacySweepMs: 10_000,
  webhookTimeoutMs: DEFAULTS.webhookTimeoutMs,
  // Off unless asked for, so tests and in-process CLI commands never bind 5060.
  sipPort: 0,
  rtpPorts: { min: 10_000, max: 20_000 },
  maxCalls: 500,
  // One per core: the main thread's share of a call is small beside its packets'.
  mediaWorkers: Math.max(1, availableParallelism()),
  // Long enough to look into last week's calls, short enough that the log stays small.
  webhookLogRetentionMs: 7 * 86_400_000,
  webhookLogPruneMs: 3_600_000,
  webhookAllow: [],
  webhookDeny: [],
  // Off unless asked for, so tests and in-process CLI commands write no disk reserve.
  minFreeDisk: { bytes: 0 },
  diskCheckMs: 1000,
  sipRegisterExpiresSec: 3600,
} as const;

/** What `belay serve` listens on for SIP when neither --sip-port nor BELAY_SIP_PORT says otherwise. */
export const SERVE_SIP_PORT = 5060;

/** `belay serve`'s --min-free-disk when neither the flag nor BELAY_MIN_FREE_DISK says otherwise. */
export const SERVE_MIN_FREE_DISK = "256MB";

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
    sipPort: checkedPort("sipPort", options.sipPort ?? portFrom("BELAY_SIP_PORT", env.BELAY_SIP_PORT) ?? 0),
    rtpPorts: options.rtpPorts ??
      rtpPortsFrom("BELAY_RTP_PORTS", env.BELAY_RTP_PORTS) ?? {
        ...CONFIG_DEFAULTS.rtpPorts,
      },
    maxCalls:
      options.maxCalls ?? positiveFrom("BELAY_MAX_CALLS", env.BELAY_MAX_CALLS) ?? CONFIG_DEFAULTS.maxCalls,
    mediaWorkers:
      options.mediaWorkers ??
      wholeFrom("BELAY_MEDIA_WORKERS", env.BELAY_MEDIA_WORKERS) ??
      CONFIG_DEFAULTS.mediaWorkers,
    ...(options.mediaWorkerImports ? { mediaWorkerImports: options.mediaWorkerImports } : {}),
    webhookLogRetentionMs:
      options.webhookLogRetentionMs ??
      (env.BELAY_WEBHOOK_LOG_RETENTION
        ? parseDuration("BELAY_WEBHOOK_LOG_RETENTION", env.BELAY_WEBHOOK_LOG_RETENTION)
        : CONFIG_DEFAULTS.webhookLogRetentionMs),
    webhookLogPruneMs: options.webhookLogPruneMs ?? CONFIG_DEFAULTS.webhookLogPruneMs,
    webhookAllow: checkedRanges(
      "--webhook-allow",
      options.webhookAllow ?? rangesFrom("BELAY_WEBHOOK_ALLOW", env.BELAY_WEBHOOK_ALLOW),
    ),
    webhookDeny: checkedRanges(
      "--webhook-deny",
      options.webhookDeny ?? rangesFrom("BELAY_WEBHOOK_DENY", env.BELAY_WEBHOOK_DENY),
    ),
    minFreeDisk:
      options.minFreeDisk ??
      (env.BELAY_MIN_FREE_DISK
        ? parseMinFreeDisk("BELAY_MIN_FREE_DISK", env.BELAY_MIN_FREE_DISK)
        : { ...CONFIG_DEFAULTS.minFreeDisk }),
    diskCheckMs: options.diskCheckMs ?? CONFIG_DEFAULTS.diskCheckMs,
    sipRegisterExpiresSec:
      options.sipRegisterExpiresSec ??
      positiveFrom("BELAY_SIP_REGISTER_EXPIRES", env.BELAY_SIP_REGISTER_EXPIRES) ??
      CONFIG_DEFAULTS.sipRegisterExpiresSec,
  };
  if (!(Number.isSafeInteger(config.webhookLogRetentionMs) && config.webhookLogRetentionMs > 0)) {
    throw new BelayError(
      "CONFIG_INVALID",
      `webhookLogRetentionMs must be a whole number of milliseconds above 0, got ${config.webhookLogRetentionMs}`,
    );
  }
  if (options.freeSpaceProbe) config.freeSpaceProbe = options.freeSpaceProbe;
  checkRtpPorts(config.rtpPorts);
  if (!(Number.isInteger(config.mediaWorkers) && config.mediaWorkers >= 0 && config.mediaWorkers <= 64))
    throw new BelayError(
      "CONFIG_INVALID",
      `mediaWorkers must be a whole number from 0 to 64, got ${config.mediaWorkers}`,
    );
  if (!(Number.isInteger(config.maxCalls) && config.maxCalls > 0))
    throw new BelayError("CONFIG_INVALID", `maxCalls must be a whole number above 0, got ${config.maxCalls}`);
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
  const sipHost = options.sipHost ?? (env.BELAY_SIP_HOST || undefined);
  if (sipHost) config.sipHost = sipHost;
  const sipOutbound = options.sipOutbound ?? (env.BELAY_SIP_OUTBOUND || undefined);
  if (sipOutbound) config.sipOutbound = checkedOutbound(sipOutbound);
  resolveTrunkAuth(config, options, env);
  return config;
}

/** The trunk's credentials (both or neither) and the registrar, checked before anything starts. */
function resolveTrunkAuth(config: BelayConfig, options: Partial<BelayConfig>, env: NodeJS.ProcessEnv): void {
  const username = options.sipOutboundUsername ?? (env.BELAY_SIP_OUTBOUND_USERNAME || undefined);
  const password = options.sipOutboundPassword ?? (env.BELAY_SIP_OUTBOUND_PASSWORD || undefined);
  if ((username === undefined) !== (password === undefined)) {
    throw new BelayError(
      "CONFIG_INVALID",
      "the SIP trunk's user name and password go together: set --sip-outbound-username and BELAY_SIP_OUTBOUND_PASSWORD",
    );
  }
  if (username !== undefined && password !== undefined) {
    config.sipOutboundUsername = username;
    config.sipOutboundPassword = password;
  }
  const register = options.sipRegister ?? (env.BELAY_SIP_REGISTER || undefined);
  if (register) config.sipRegister = checkedRegistrar(register, username);
  const expires = config.sipRegisterExpiresSec;
  if (!(Number.isInteger(expires) && expires > 0))
    throw new BelayError(
      "CONFIG_INVALID",
      `sipRegisterExpiresSec must be a whole number above 0, got ${expires}`,
    );
}

/** A sip: URI with a host; the AOR's user comes from it or from the trunk's user name. */
function checkedRegistrar(uri: string, username: string | undefined): string {
  let parsed: ReturnType<typeof parseUri> | undefined;
  try {
    parsed = parseUri(uri);
  } catch {
    parsed = undefined;
  }
  if (parsed?.scheme !== "sip" || !parsed.host) {
    throw new BelayError(
      "CONFIG_INVALID",
      `the SIP registrar "${uri}" must be a sip: URI with a host, e.g. sip:sip.example.com or sip:alice@sip.example.com:5060`,
    );
  }
  if (!parsed.user && !username) {
    throw new BelayError(
      "CONFIG_INVALID",
      `the SIP registrar "${uri}" names no user to register: put one in the URI or set --sip-outbound-username`,
    );
  }
  return uri;
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

/** `10000-20000` → { min, max }; undefined when unset. */
export function parseRtpPorts(what: string, value: string): { min: number; max: number } {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  if (!match) throw new BelayError("CONFIG_INVALID", `${what} "${value}" must be a range like 10000-20000`);
  const range = { min: Number(match[1]), max: Number(match[2]) };
  checkRtpPorts(range);
  return range;
}

function rtpPortsFrom(name: string, value: string | undefined): { min: number; max: number } | undefined {
  return value ? parseRtpPorts(name, value) : undefined;
}

function checkRtpPorts(range: { min: number; max: number }): void {
  const ok = (p: number) => Number.isInteger(p) && p >= 1024 && p <= 65535;
  if (!(ok(range.min) && ok(range.max) && range.min <= range.max)) {
    throw new BelayError(
      "CONFIG_INVALID",
      `the RTP port range ${range.min}-${range.max} must lie within 1024-65535, lowest first`,
    );
  }
}

function checkedPort(what: string, port: number): number {
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new BelayError("CONFIG_INVALID", `${what} must be a port number (0-65535), got ${port}`);
  return port;
}

function portFrom(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new BelayError("CONFIG_INVALID", `${name} "${value}" must be a port number (0-65535)`);
  return n;
}

/** The outbound target must be a SIP URI with the {to} placeholder somewhere. */
function checkedOutbound(template: string): string {
  if (!/^sips?:/i.test(template) || !template.includes("{to}")) {
    throw new BelayError(
      "CONFIG_INVALID",
      `the SIP outbound target "${template}" must be a sip: URI holding {to}, e.g. sip:{to}@127.0.0.1:5080`,
    );
  }
  return template;
}

function rangesFrom(name: string, value: string | undefined): string[] {
  return value ? parseRangeList(name, value) : [];
}

function checkedRanges(what: string, ranges: readonly string[]): string[] {
  for (const range of ranges) parseRange(what, range);
  return [...ranges];
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

/** An environment variable that must be a whole number (0 or more) when set. */
function wholeFrom(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!(/^\d+$/.test(value) && Number.isInteger(n)))
    throw new BelayError("CONFIG_INVALID", `${name} "${value}" must be a whole number (0 or more)`);
  return n;
}

function definedEntries<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== ""),
  ) as Partial<T>;
}
