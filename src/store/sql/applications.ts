import type {
  Expression,
  ExpressionBuilder,
  Insertable,
  Kysely,
  Selectable,
  SqlBool,
  Updateable,
} from "kysely";
import type { ApplicationRepo, ApplicationRow, ListOptions, Page, Patch } from "../types.js";
import { decodeInt64 } from "./codec.js";
import { pageBounds } from "./paging.js";
import type { ApplicationsTable, Database } from "./schema.js";
import { assertUnchanged, translateWriteError } from "./sql-errors.js";

type ApplicationFields = Omit<ApplicationRow, "dateCreated" | "dateUpdated" | "revision">;
type ApplicationFilter = { alias?: string };

function applicationFromColumns(c: Selectable<ApplicationsTable>): ApplicationRow {
  return {
    applicationId: c.application_id,
    accountId: c.account_id,
    alias: c.alias,
    voiceUrl: c.voice_url,
    voiceFallbackUrl: c.voice_fallback_url,
    callConnectUrl: c.call_connect_url,
    statusCallbackUrl: c.status_callback_url,
    smsUrl: c.sms_url,
    smsFallbackUrl: c.sms_fallback_url,
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

/** Maps the fields present; absent (undefined) fields stay absent, so a patch touches only them. */
function applicationToColumns(
  r: ApplicationFields,
): Omit<Insertable<ApplicationsTable>, "date_created" | "date_updated" | "revision">;
function applicationToColumns(r: Partial<ApplicationFields>): Updateable<ApplicationsTable>;
function applicationToColumns(r: Partial<ApplicationFields>): Updateable<ApplicationsTable> {
  return {
    application_id: r.applicationId,
    account_id: r.accountId,
    alias: r.alias,
    voice_url: r.voiceUrl,
    voice_fallback_url: r.voiceFallbackUrl,
    call_connect_url: r.callConnectUrl,
    status_callback_url: r.statusCallbackUrl,
    sms_url: r.smsUrl,
    sms_fallback_url: r.smsFallbackUrl,
  };
}

function applicationConditions(accountId: string, filter: ApplicationFilter) {
  return (eb: ExpressionBuilder<Database, "applications">): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [eb("account_id", "=", accountId)];
    if (filter.alias !== undefined) conditions.push(eb("alias", "=", filter.alias));
    return eb.and(conditions);
  };
}

export class SqlApplicationRepo implements ApplicationRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(row: ApplicationFields): Promise<ApplicationRow> {
    const now = this.now();
    try {
      const inserted = await this.db
        .insertInto("applications")
        .values({ ...applicationToColumns(row), date_created: now, date_updated: now, revision: 1 })
        .returningAll()
        .executeTakeFirstOrThrow();
      return applicationFromColumns(inserted);
    } catch (err) {
      throw translateWriteError(err, "create application", {
        accountId: row.accountId,
        applicationId: row.applicationId,
      });
    }
  }

  async get(accountId: string, applicationId: string): Promise<ApplicationRow | undefined> {
    const row = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("application_id", "=", applicationId)
      .executeTakeFirst();
    return row && applicationFromColumns(row);
  }

  async list(
    accountId: string,
    filter: ApplicationFilter = {},
    page?: ListOptions,
  ): Promise<Page<ApplicationRow>> {
    const { offset, limit } = pageBounds(page);
    const matching = this.db.selectFrom("applications").where(applicationConditions(accountId, filter));
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(applicationFromColumns), total: decodeInt64(counted.total) };
  }

  async update(
    accountId: string,
    applicationId: string,
    patch: Patch<ApplicationRow>,
  ): Promise<ApplicationRow | undefined> {
    const { applicationId: newId, accountId: newAccount, dateUpdated: _ignored, ...changes } = patch;
    assertUnchanged("applicationId", newId, applicationId);
    assertUnchanged("accountId", newAccount, accountId);
    const now = this.now();
    const row = await this.db
      .updateTable("applications")
      .set((eb) => ({
        ...applicationToColumns(changes),
        date_updated: now,
        revision: eb("revision", "+", 1),
      }))
      .where("account_id", "=", accountId)
      .where("application_id", "=", applicationId)
      .returningAll()
      .executeTakeFirst();
    return row && applicationFromColumns(row);
  }

  /** Numbers routed to the application are left without one (and bump their revision). */
  async delete(accountId: string, applicationId: string): Promise<boolean> {
    const now = this.now();
    return this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("incoming_phone_numbers")
        .set((eb) => ({ application_id: null, date_updated: now, revision: eb("revision", "+", 1) }))
        .where("account_id", "=", accountId)
        .where("application_id", "=", applicationId)
        .execute();
      const result = await trx
        .deleteFrom("applications")
        .where("account_id", "=", accountId)
        .where("application_id", "=", applicationId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }
}
