import type {
  Expression,
  ExpressionBuilder,
  Insertable,
  Kysely,
  Selectable,
  SqlBool,
  Updateable,
} from "kysely";
import { BelayError } from "../../errors.js";
import type { ListOptions, Page, Patch, PhoneNumberRepo, PhoneNumberRow } from "../types.js";
import { decodeInt64 } from "./codec.js";
import { pageBounds } from "./paging.js";
import type { Database, IncomingPhoneNumbersTable } from "./schema.js";
import { assertUnchanged, translateWriteError } from "./sql-errors.js";

type PhoneNumberFields = Omit<PhoneNumberRow, "dateCreated" | "dateUpdated" | "revision">;
type PhoneNumberFilter = {
  phoneNumber?: string;
  alias?: string;
  applicationId?: string;
  hasApplication?: boolean;
};

function numberFromColumns(c: Selectable<IncomingPhoneNumbersTable>): PhoneNumberRow {
  return {
    phoneNumberId: c.phone_number_id,
    accountId: c.account_id,
    phoneNumber: c.phone_number,
    alias: c.alias,
    applicationId: c.application_id,
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

/** Maps the fields present; absent (undefined) fields stay absent, so a patch touches only them. */
function numberToColumns(
  r: PhoneNumberFields,
): Omit<Insertable<IncomingPhoneNumbersTable>, "date_created" | "date_updated" | "revision">;
function numberToColumns(r: Partial<PhoneNumberFields>): Updateable<IncomingPhoneNumbersTable>;
function numberToColumns(r: Partial<PhoneNumberFields>): Updateable<IncomingPhoneNumbersTable> {
  return {
    phone_number_id: r.phoneNumberId,
    account_id: r.accountId,
    phone_number: r.phoneNumber,
    alias: r.alias,
    application_id: r.applicationId,
  };
}

function numberConditions(accountId: string, filter: PhoneNumberFilter) {
  return (eb: ExpressionBuilder<Database, "incoming_phone_numbers">): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [eb("account_id", "=", accountId)];
    if (filter.phoneNumber !== undefined) conditions.push(eb("phone_number", "=", filter.phoneNumber));
    if (filter.alias !== undefined) conditions.push(eb("alias", "=", filter.alias));
    if (filter.applicationId !== undefined) conditions.push(eb("application_id", "=", filter.applicationId));
    if (filter.hasApplication === true) conditions.push(eb("application_id", "is not", null));
    if (filter.hasApplication === false) conditions.push(eb("application_id", "is", null));
    return eb.and(conditions);
  };
}

export class SqlPhoneNumberRepo implements PhoneNumberRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(row: PhoneNumberFields): Promise<PhoneNumberRow> {
    await this.assertApplicationInAccount(this.db, row.accountId, row.applicationId);
    const now = this.now();
    try {
      const inserted = await this.db
        .insertInto("incoming_phone_numbers")
        .values({ ...numberToColumns(row), date_created: now, date_updated: now, revision: 1 })
        .returningAll()
        .executeTakeFirstOrThrow();
      return numberFromColumns(inserted);
    } catch (err) {
      throw translateWriteError(err, "create incoming phone number", {
        accountId: row.accountId,
        phoneNumberId: row.phoneNumberId,
        phoneNumber: row.phoneNumber,
      });
    }
  }

  async get(accountId: string, phoneNumberId: string): Promise<PhoneNumberRow | undefined> {
    const row = await this.db
      .selectFrom("incoming_phone_numbers")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("phone_number_id", "=", phoneNumberId)
      .executeTakeFirst();
    return row && numberFromColumns(row);
  }

  async findByNumber(phoneNumber: string): Promise<PhoneNumberRow | undefined> {
    const row = await this.db
      .selectFrom("incoming_phone_numbers")
      .selectAll()
      .where("phone_number", "=", phoneNumber)
      .executeTakeFirst();
    return row && numberFromColumns(row);
  }

  async list(
    accountId: string,
    filter: PhoneNumberFilter = {},
    page?: ListOptions,
  ): Promise<Page<PhoneNumberRow>> {
    const { offset, limit } = pageBounds(page);
    const matching = this.db.selectFrom("incoming_phone_numbers").where(numberConditions(accountId, filter));
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(numberFromColumns), total: decodeInt64(counted.total) };
  }

  async update(
    accountId: string,
    phoneNumberId: string,
    patch: Patch<PhoneNumberRow>,
  ): Promise<PhoneNumberRow | undefined> {
    const { phoneNumberId: newId, accountId: newAccount, dateUpdated: _ignored, ...changes } = patch;
    assertUnchanged("phoneNumberId", newId, phoneNumberId);
    assertUnchanged("accountId", newAccount, accountId);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const exists = await trx
          .selectFrom("incoming_phone_numbers")
          .select("seq")
          .where("account_id", "=", accountId)
          .where("phone_number_id", "=", phoneNumberId)
          .executeTakeFirst();
        if (exists === undefined) return undefined;
        await this.assertApplicationInAccount(trx, accountId, changes.applicationId);
        const now = this.now();
        const row = await trx
          .updateTable("incoming_phone_numbers")
          .set((eb) => ({ ...numberToColumns(changes), date_updated: now, revision: eb("revision", "+", 1) }))
          .where("account_id", "=", accountId)
          .where("phone_number_id", "=", phoneNumberId)
          .returningAll()
          .executeTakeFirstOrThrow();
        return numberFromColumns(row);
      });
    } catch (err) {
      throw translateWriteError(err, "update incoming phone number", { accountId, phoneNumberId });
    }
  }

  async delete(accountId: string, phoneNumberId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("incoming_phone_numbers")
      .where("account_id", "=", accountId)
      .where("phone_number_id", "=", phoneNumberId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * A number may only route to its own account's application: the foreign key alone would accept
   * another account's id and hand that account this number's calls.
   */
  private async assertApplicationInAccount(
    db: Kysely<Database>,
    accountId: string,
    applicationId: string | null | undefined,
  ): Promise<void> {
    if (applicationId === null || applicationId === undefined) return;
    const app = await db
      .selectFrom("applications")
      .select("seq")
      .where("account_id", "=", accountId)
      .where("application_id", "=", applicationId)
      .executeTakeFirst();
    if (app === undefined) {
      throw new BelayError(
        "STORE_REFERENCE_NOT_FOUND",
        `application ${applicationId} does not exist in account ${accountId}`,
        { accountId, applicationId },
      );
    }
  }
}
