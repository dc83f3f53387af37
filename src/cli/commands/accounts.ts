import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { newApiKey, newId, newSigningSecret } from "../../contract/ids.js";
import { rfc1123 } from "../../contract/rest.js";
import { BelayError } from "../../errors.js";
import { DATABASE_FILE } from "../../server/belay.js";
import { resolveConfig } from "../../server/config.js";
import { openSqliteStore } from "../../store/sql/open-sqlite.js";
import type { Store } from "../../store/types.js";
import { json } from "../format/record.js";
import { table } from "../format/table.js";

type DataDirFlags = { dataDir?: string; json?: boolean };

/**
 * Accounts are an operator's business, not an API client's: these commands work on the data
 * folder's database directly, whether or not a server runs on it (SQLite in WAL mode with a busy
 * timeout lets both write), and a running server sees a new account on its next request.
 */
async function withStore<T>(flags: DataDirFlags, work: (store: Store) => Promise<T>): Promise<T> {
  const { dataDir } = resolveConfig(flags.dataDir ? { dataDir: flags.dataDir } : {});
  await mkdir(dataDir, { recursive: true });
  const store = await openSqliteStore(path.join(dataDir, DATABASE_FILE));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function registerAccounts(program: Command): void {
  const accounts = program.command("accounts").description("accounts in a data folder (operator commands)");

  accounts
    .command("create")
    .description("create an account and print its id, API key and signing secret")
    .option("--alias <alias>", "a description, up to 64 characters")
    .option("--data-dir <dir>", "data folder (default: BELAY_DATA_DIR or ./.belay)")
    .option("--json", "print the new credentials as JSON")
    .action((flags: DataDirFlags & { alias?: string }) =>
      withStore(flags, async (store) => {
        if (flags.alias !== undefined && flags.alias.length > 64)
          throw new BelayError("CLI_USAGE", "--alias must be at most 64 characters");
        const account = await store.accounts.create({
          accountId: newId("AC"),
          apiKey: newApiKey(),
          signingSecret: newSigningSecret(),
          alias: flags.alias ?? null,
        });
        // The one time these are shown: the operator hands them to the account's user.
        const { accountId, apiKey, signingSecret, alias } = account;
        if (flags.json) return void process.stdout.write(json({ accountId, apiKey, signingSecret, alias }));
        process.stdout.write(
          `account id      ${accountId}\nAPI key         ${apiKey}\nsigning secret  ${signingSecret}\nalias           ${alias ?? "-"}\n`,
        );
      }),
    );

  accounts
    .command("list")
    .description("list the data folder's accounts (ids and aliases; never keys)")
    .option("--data-dir <dir>", "data folder (default: BELAY_DATA_DIR or ./.belay)")
    .option("--json", "print them as JSON")
    .action((flags: DataDirFlags) =>
      withStore(flags, async (store) => {
        const rows = (await store.accounts.list()).map(({ accountId, alias, dateCreated }) => ({
          accountId,
          alias,
          dateCreated: rfc1123(dateCreated),
        }));
        if (flags.json) return void process.stdout.write(json(rows));
        const lines = rows.map((a) => [a.accountId, a.alias ?? "-", a.dateCreated]);
        process.stdout.write(`${table(["ACCOUNT", "ALIAS", "CREATED"], lines)}\n${rows.length} account(s)\n`);
      }),
    );
}
