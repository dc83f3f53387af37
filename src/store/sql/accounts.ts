import type { Insertable, Kysely, Selectable } from "kysely";
import type { AccountRepo, AccountRow } from "../types.js";
import { decodeInt64 } from "./codec.js";
import type { AccountsTable, Database } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

type AccountInput = Omit<AccountRow, "dateCreated" | "dateUpdated" | "revision" | "label"> & {
  label?: string | null;
};

function accountFromColumns(c: Selectable<AccountsTable>): AccountRow {
  return {
    accountId: c.account_id,
    apiKey: c.api_key,
    signingSecret: c.signing_secret,
    alias: c.alias,
    label: c.label,
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

function accountToColumns(r: AccountInput, now: number): Insertable<AccountsTable> {
  return {
    account_id: r.accountId,
    api_key: r.apiKey,
    signing_secret: r.signingSecret,
    alias: r.alias,
    label: r.label ?? null,
    date_created: now,
    date_updated: now,
    revision: 1,
  };
}

export class SqlAccountRepo implements AccountRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(row: AccountInput): Promise<AccountRow> {
    try {
      const inserted = await this.db
        .insertInto("accounts")
        .values(accountToColumns(row, this.now()))
        .returningAll()
        .executeTakeFirstOrThrow();
      return accountFromColumns(inserted);
    } catch (err) {
      throw translateWriteError(err, "create account", { accountId: row.accountId });
    }
  }

  async get(accountId: string): Promise<AccountRow | undefined> {
    const row = await this.db
      .selectFrom("accounts")
      .selectAll()
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    return row && accountFromColumns(row);
  }

  async update(
    accountId: string,
    patch: Partial<Pick<AccountRow, "apiKey" | "signingSecret" | "alias" | "label">>,
  ): Promise<AccountRow | undefined> {
    // Only these four fields, even if the caller's object carries more.
    const now = this.now();
    const row = await this.db
      .updateTable("accounts")
      .set((eb) => ({
        api_key: patch.apiKey,
        signing_secret: patch.signingSecret,
        alias: patch.alias,
        label: patch.label,
        date_updated: now,
        revision: eb("revision", "+", 1),
      }))
      .where("account_id", "=", accountId)
      .returningAll()
      .executeTakeFirst();
    return row && accountFromColumns(row);
  }

  async list(): Promise<AccountRow[]> {
    const rows = await this.db
      .selectFrom("accounts")
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .execute();
    return rows.map(accountFromColumns);
  }
}
