import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { BelayError, isBelayError } from "../../errors.js";
import { createBelay } from "../../server/belay.js";
import {
  CONFIG_DEFAULTS,
  parseRtpPorts,
  resolveConfig,
  SERVE_MIN_FREE_DISK,
  SERVE_SIP_PORT,
} from "../../server/config.js";
import { type MinFreeDisk, parseMinFreeDisk } from "../../server/disk-space.js";
import { parseDuration } from "../../server/duration.js";
import { parseRangeList } from "../../webhooks/target-policy.js";
import { SERVER_FILE } from "../target.js";

interface ServeFlags {
  dataDir?: string;
  port?: string;
  host?: string;
  publicUrl?: string;
  logLevel?: string;
  tlsCert?: string;
  tlsKey?: string;
  sipPort?: string;
  sipHost?: string;
  rtpPorts?: string;
  maxCalls?: string;
  mediaWorkers?: string;
  sipOutbound?: string;
  webhookLogRetention?: string;
  webhookAllow?: string[];
  webhookDeny?: string[];
  minFreeDisk?: string;
  sipOutboundUsername?: string;
  sipOutboundPassword?: string;
  sipRegister?: string;
  sipRegisterExpires?: string;
}

/** Repeatable flags whose values add up: `--webhook-deny 10.0.0.0/8 --webhook-deny fd00::/8`. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run Belay: the FreeClimb-compatible API, webhooks and the call engine")
    .option(
      "--data-dir <dir>",
      `data folder: database, recordings, credentials (default: ./${CONFIG_DEFAULTS.dataDir})`,
    )
    .option("--port <port>", `HTTP port (default: ${CONFIG_DEFAULTS.port})`)
    .option("--host <address>", `address to listen on (default: ${CONFIG_DEFAULTS.host})`)
    .option(
      "--public-url <url>",
      "base URL apps use to reach Belay, e.g. for recordingUrl (default: http(s)://<host>:<port>)",
    )
    .option("--log-level <level>", "trace, debug, info, warn, error", undefined)
    .option(
      "--tls-cert <file.pem>",
      "serve HTTPS with this certificate (with --tls-key; default: BELAY_TLS_CERT)",
    )
    .option("--tls-key <file.pem>", "the certificate's private key (default: BELAY_TLS_KEY)")
    .option("--sip-port <port>", `SIP over UDP; 0 turns SIP off (default: ${SERVE_SIP_PORT})`)
    .option("--sip-host <address>", "address SIP advertises in Via, Contact and SDP (default: --host)")
    .option(
      "--rtp-ports <min-max>",
      `RTP port range, one port per call (default: ${CONFIG_DEFAULTS.rtpPorts.min}-${CONFIG_DEFAULTS.rtpPorts.max})`,
    )
    .option("--max-calls <n>", `live SIP calls before 503 (default: ${CONFIG_DEFAULTS.maxCalls})`)
    .option(
      "--media-workers <n>",
      `threads the calls' RTP runs on; 0 keeps it on the main thread (default: one per core, ${CONFIG_DEFAULTS.mediaWorkers} here)`,
    )
    .option(
      "--sip-outbound <uri>",
      "dial POST /Calls to non-device numbers over SIP here, e.g. 'sip:{to}@127.0.0.1:5080'",
    )
    .option(
      "--webhook-log-retention <duration>",
      "keep delivered and failed webhooks in the delivery log, and call log entries, this long: 7d, 12h, 30m, 90s; a bare number is days (default: 7d)",
    )
    .option(
      "--webhook-allow <ranges>",
      "address ranges webhooks may go to although the built-in policy refuses them, e.g. 169.254.10.0/24 (comma-separated, repeatable)",
      collect,
    )
    .option(
      "--webhook-deny <ranges>",
      "address ranges webhooks may not go to, e.g. 10.0.0.0/8,fd00::/8 (comma-separated, repeatable)",
      collect,
    )
    .option(
      "--min-free-disk <size>",
      `refuse new calls while the data folder's disk has less free: 256MB, 2G, 5%, 0 = off (default: ${SERVE_MIN_FREE_DISK})`,
    )
    .option(
      "--sip-outbound-username <name>",
      "user name for the SIP trunk's digest challenges (401/407) and --sip-register",
    )
    .option(
      "--sip-outbound-password <password>",
      "its password; prefer BELAY_SIP_OUTBOUND_PASSWORD, since a flag is visible in ps",
    )
    .option(
      "--sip-register <uri>",
      "keep Belay registered at this registrar while it runs, e.g. 'sip:sip.example.com'",
    )
    .option(
      "--sip-register-expires <seconds>",
      `registration lifetime asked for (default: ${CONFIG_DEFAULTS.sipRegisterExpiresSec})`,
    )
    .action(async (flags: ServeFlags) => {
      if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey))
        throw new BelayError("CLI_USAGE", "--tls-cert and --tls-key go together");
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && !(/^\d+$/.test(flags.port ?? "") && port < 65536)) {
        throw new BelayError("CLI_USAGE", `--port "${flags.port}" must be a port number (0-65535)`);
      }
      const sipPort = sipPortOf(flags.sipPort);
      const maxCalls = flags.maxCalls === undefined ? undefined : Number(flags.maxCalls);
      if (maxCalls !== undefined && !(/^\d+$/.test(flags.maxCalls ?? "") && maxCalls > 0))
        throw new BelayError("CLI_USAGE", `--max-calls "${flags.maxCalls}" must be a whole number above 0`);
      const mediaWorkers = flags.mediaWorkers === undefined ? undefined : Number(flags.mediaWorkers);
      if (mediaWorkers !== undefined && !(/^\d+$/.test(flags.mediaWorkers ?? "") && mediaWorkers <= 64))
        throw new BelayError(
          "CLI_USAGE",
          `--media-workers "${flags.mediaWorkers}" must be a whole number from 0 to 64`,
        );
      // Listening for signals from the start: one that arrives while Belay starts stops it once up.
      const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      const config = resolveConfig({
        ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(flags.host ? { host: flags.host } : {}),
        ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
        ...(flags.logLevel ? { logLevel: flags.logLevel } : {}),
        ...(flags.tlsCert && flags.tlsKey ? { tls: { certFile: flags.tlsCert, keyFile: flags.tlsKey } } : {}),
        ...(sipPort !== undefined ? { sipPort } : {}),
        ...(flags.sipHost ? { sipHost: flags.sipHost } : {}),
        ...(flags.rtpPorts ? { rtpPorts: parseRtpPorts("--rtp-ports", flags.rtpPorts) } : {}),
        ...(maxCalls !== undefined ? { maxCalls } : {}),
        ...(mediaWorkers !== undefined ? { mediaWorkers } : {}),
        ...(flags.sipOutbound ? { sipOutbound: flags.sipOutbound } : {}),
        ...(flags.webhookLogRetention
          ? { webhookLogRetentionMs: parseDuration("--webhook-log-retention", flags.webhookLogRetention) }
          : {}),
        ...(flags.webhookAllow
          ? { webhookAllow: flags.webhookAllow.flatMap((v) => parseRangeList("--webhook-allow", v)) }
          : {}),
        ...(flags.webhookDeny
          ? { webhookDeny: flags.webhookDeny.flatMap((v) => parseRangeList("--webhook-deny", v)) }
          : {}),
        ...minFreeDiskOf(flags.minFreeDisk),
        ...(flags.sipOutboundUsername ? { sipOutboundUsername: flags.sipOutboundUsername } : {}),
        ...(flags.sipOutboundPassword ? { sipOutboundPassword: flags.sipOutboundPassword } : {}),
        ...(flags.sipRegister ? { sipRegister: flags.sipRegister } : {}),
        ...registerExpiresOf(flags.sipRegisterExpires),
      });
      const belay = await createBelay(config, undefined, { role: "belay serve" });
      const url = await belay.listen();
      const serverFile = path.join(config.dataDir, SERVER_FILE);
      await writeFile(serverFile, JSON.stringify({ url, pid: process.pid }));
      const { account } = belay;
      process.stdout.write(
        [
          `Belay is listening on ${url}`,
          `  data folder     ${config.dataDir}`,
          `  account id      ${account.accountId}`,
          `  API key         ${account.apiKey}`,
          `  signing secret  ${account.signingSecret}`,
          `  REST API        ${url}/apiserver`,
          `  console         ${url}/console`,
          `  SIP             ${belay.sipAddress() ?? "off"}`,
          ...(belay.sipAddress() ? [`  RTP             ${rtpPlace(config.mediaWorkers)}`] : []),
          "",
        ].join("\n"),
      );
      // The command resolves once a signal has closed everything; the CLI then exits 0.
      const signal = await stopSignal;
      belay.logger.info(
        { signal, liveCalls: belay.engine.liveCount() },
        "shutting down: finishing live calls",
      );
      await belay.close();
      await rm(serverFile, { force: true });
    });
}

/** --min-free-disk, else BELAY_MIN_FREE_DISK (resolveConfig reads it), else serve's default. */
function minFreeDiskOf(flag: string | undefined): { minFreeDisk?: MinFreeDisk } {
  if (flag !== undefined) return { minFreeDisk: usage(() => parseMinFreeDisk("--min-free-disk", flag)) };
  if (process.env.BELAY_MIN_FREE_DISK) return {};
  return { minFreeDisk: parseMinFreeDisk("the default", SERVE_MIN_FREE_DISK) };
}

/** --sip-register-expires: a whole number of seconds above 0. */
function registerExpiresOf(flag: string | undefined): { sipRegisterExpiresSec?: number } {
  if (flag === undefined) return {};
  const seconds = Number(flag);
  if (!(/^\d+$/.test(flag) && seconds > 0))
    throw new BelayError(
      "CLI_USAGE",
      `--sip-register-expires "${flag}" must be a whole number of seconds above 0`,
    );
  return { sipRegisterExpiresSec: seconds };
}

/** A bad flag is a usage error (exit 2), as the other flags' are. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw isBelayError(err) ? new BelayError("CLI_USAGE", err.message) : err;
  }
}

/** --sip-port, else BELAY_SIP_PORT (resolveConfig reads it), else 5060: serve is where SIP is on by default. */
function sipPortOf(flag: string | undefined): number | undefined {
  if (flag === undefined) return process.env.BELAY_SIP_PORT ? undefined : SERVE_SIP_PORT;
  const port = Number(flag);
  if (!(/^\d+$/.test(flag) && port < 65536))
    throw new BelayError(
      "CLI_USAGE",
      `--sip-port "${flag}" must be a port number (0-65535; 0 turns SIP off)`,
    );
  return port;
}

/** Where the calls' RTP runs, for the start-up lines (docs/rtp.md#media-workers). */
function rtpPlace(workers: number): string {
  if (workers === 0) return "on the main thread (--media-workers 0)";
  return `on ${workers} media worker${workers === 1 ? "" : "s"} (--media-workers)`;
}
