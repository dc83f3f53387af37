import { readFile } from "node:fs/promises";
import path from "node:path";
import { BelayError } from "../errors.js";
import { type Belay, belayLogger, createBelay, DATABASE_FILE } from "../server/belay.js";
import { type BelayConfig, resolveConfig } from "../server/config.js";
import { ensureDefaultAccount } from "../server/default-account.js";
import { openSqliteStore } from "../store/sql/open-sqlite.js";

export interface TargetOptions {
  apiUrl?: string;
  accountId?: string;
  apiKey?: string;
  dataDir?: string;
  port?: number;
  fast?: boolean;
}

/** A running Belay reached over HTTP, or one started inside this process on the data folder. */
export type Target =
  | { kind: "remote"; baseUrl: string; accountId: string; authorization: string }
  | { kind: "local"; baseUrl: string; accountId: string; authorization: string; belay: Belay };

export const SERVER_FILE = "server.json";

function basic(accountId: string, apiKey: string): string {
  return `Basic ${Buffer.from(`${accountId}:${apiKey}`).toString("base64")}`;
}

/** `belay serve` leaves its URL in the data folder; a live one is used before starting our own. */
async function runningServerUrl(dataDir: string): Promise<string | undefined> {
  try {
    const { url } = JSON.parse(await readFile(path.join(dataDir, SERVER_FILE), "utf8")) as { url: string };
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    // 503: a Belay that is running but refuses new calls (a low disk) is still the one to talk to.
    return health.ok || health.status === 503 ? url : undefined;
  } catch {
    return undefined;
  }
}

export async function resolveTarget(options: TargetOptions, env = process.env): Promise<Target> {
  const config = resolveConfig({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    port: options.port ?? 0,
    logLevel: env.BELAY_LOG_LEVEL ?? "warn",
  });
  const accountId = options.accountId ?? env.BELAY_ACCOUNT_ID;
  const apiKey = options.apiKey ?? env.BELAY_API_KEY;
  const apiUrl = (options.apiUrl ?? env.BELAY_API_URL ?? (await runningServerUrl(config.dataDir)))?.replace(
    /\/+$/,
    "",
  );
  if (apiUrl) {
    if (accountId && apiKey)
      return { kind: "remote", baseUrl: apiUrl, accountId, authorization: basic(accountId, apiKey) };
    if (options.apiUrl ?? env.BELAY_API_URL) {
      throw new BelayError(
        "CLI_USAGE",
        "--api-url needs --account-id and --api-key (or BELAY_ACCOUNT_ID and BELAY_API_KEY)",
      );
    }
    // A server on our own data folder: its default account's credentials are ours to read.
    const { accountId: id, apiKey: key } = await serverAccount(config);
    return { kind: "remote", baseUrl: apiUrl, accountId: id, authorization: basic(id, key) };
  }
  // stdout carries the command's output (e.g. --json): the in-process Belay logs to stderr.
  const belay = await createBelay(config, belayLogger(config.logLevel, 2), {
    role: "a belay command's in-process Belay",
  });
  const baseUrl = await belay.listen();
  // Credentials given for an account are checked by the in-process API like any client's;
  // without them the command acts as the data folder's default account.
  const own = accountId && apiKey ? { accountId, apiKey } : belay.account;
  return {
    kind: "local",
    baseUrl,
    accountId: own.accountId,
    authorization: basic(own.accountId, own.apiKey),
    belay,
  };
}

/**
 * The account a server on this data folder chose at start, read from its database alone: starting
 * a second Belay here would also start a second outbox sending that server's notifications.
 */
async function serverAccount(config: BelayConfig): Promise<{ accountId: string; apiKey: string }> {
  const store = await openSqliteStore(path.join(config.dataDir, DATABASE_FILE));
  try {
    return await ensureDefaultAccount(store, config.credentials);
  } finally {
    await store.close();
  }
}

export async function closeTarget(target: Target): Promise<void> {
  if (target.kind === "local") await target.belay.close();
}

/** A REST call with the target's credentials; REST errors become a BelayError with the server's message. */
export async function apiFetch(
  target: Target,
  pathAndQuery: string,
  init: RequestInit = {},
): Promise<Response> {
  const response = await fetch(`${target.baseUrl}${pathAndQuery}`, {
    ...init,
    headers: { authorization: target.authorization, ...(init.headers ?? {}) },
  });
  if (!response.ok) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    throw new BelayError(
      "CLI_API_ERROR",
      `${init.method ?? "GET"} ${pathAndQuery} answered ${response.status}: ${message}`,
    );
  }
  return response;
}
