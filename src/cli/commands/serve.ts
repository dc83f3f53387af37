import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { BelayError } from "../../errors.js";
import { createBelay } from "../../server/belay.js";
import { CONFIG_DEFAULTS, resolveConfig } from "../../server/config.js";
import { SERVER_FILE } from "../target.js";

interface ServeFlags {
  dataDir?: string;
  port?: string;
  host?: string;
  publicUrl?: string;
  logLevel?: string;
  tlsCert?: string;
  tlsKey?: string;
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
    .action(async (flags: ServeFlags) => {
      if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey))
        throw new BelayError("CLI_USAGE", "--tls-cert and --tls-key go together");
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && !(/^\d+$/.test(flags.port ?? "") && port < 65536)) {
        throw new BelayError("CLI_USAGE", `--port "${flags.port}" must be a port number (0-65535)`);
      }
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
      });
      const belay = await createBelay(config);
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
