import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
} from "kysely";
import type { ConferenceFilter, ConferenceRepo, ConferenceRow, ListOptions, Page } from "../types.js";
import { decodeFlag, decodeInt64, encodeFlag } from "./codec.js";
import { pageBounds } from "./paging.js";
import type { ConferencesTable, Database } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

type ConferenceFields = Omit<ConferenceRow, "dateCreated" | "dateUpdated" | "revision">;
type ConferencePatch = Partial<Pick<ConferenceRow, "alias" | "playBeep" | "status">>;

function conferenceFromColumns(c: Selectable<ConferencesTable>): ConferenceRow {
  return {
    conferenceId: c.conference_id,
    accountId: c.account_id,
    alias: c.alias,
    playBeep: c.play_beep,
    record: decodeFlag(c.record),
    status: c.status,
    waitUrl: c.wait_url,
    actionUrl: c.action_url,
    statusCallbackUrl: c.status_callback_url,
    callId: c.call_id,
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

/** Day ranges are half-open: `…From` inclusive, `…To` exclusive. */
function conferenceConditions(accountId: string, f: ConferenceFilter) {
  return (eb: ExpressionBuilder<Database, "conferences">): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [eb("account_id", "=", accountId)];
    if (f.status !== undefined) conditions.push(eb("status", "=", f.status));
    if (f.alias !== undefined) conditions.push(eb("alias", "=", f.alias));
    if (f.createdFrom !== undefined) conditions.push(eb("date_created", ">=", f.createdFrom));
    if (f.createdTo !== undefined) conditions.push(eb("date_created", "<", f.createdTo));
    if (f.updatedFrom !== undefined) conditions.push(eb("date_updated", ">=", f.updatedFrom));
    if (f.updatedTo !== undefined) conditions.push(eb("date_updated", "<", f.updatedTo));
    return eb.and(conditions);
  };
}

export class SqlConferenceRepo implements ConferenceRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(row: ConferenceFields): Promise<ConferenceRow> {
    const now = this.now();
    try {
      const inserted = await this.db
        .insertInto("conferences")
        .values({
          conference_id: row.conferenceId,
          account_id: row.accountId,
          alias: row.alias,
          play_beep: row.playBeep,
          record: encodeFlag(row.record),
          status: row.status,
          wait_url: row.waitUrl,
          action_url: row.actionUrl,
          status_callback_url: row.statusCallbackUrl,
          call_id: row.callId,
          date_created: now,
          date_updated: now,
          revision: 1,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return conferenceFromColumns(inserted);
    } catch (err) {
      throw translateWriteError(err, "create conference", {
        accountId: row.accountId,
        conferenceId: row.conferenceId,
      });
    }
  }

  async get(accountId: string, conferenceId: string): Promise<ConferenceRow | undefined> {
    const row = await this.db
      .selectFrom("conferences")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("conference_id", "=", conferenceId)
      .executeTakeFirst();
    return row && conferenceFromColumns(row);
  }

  async list(
    accountId: string,
    filter: ConferenceFilter = {},
    page?: ListOptions,
  ): Promise<Page<ConferenceRow>> {
    const { offset, limit } = pageBounds(page);
    const matching = this.db.selectFrom("conferences").where(conferenceConditions(accountId, filter));
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(conferenceFromColumns), total: decodeInt64(counted.total) };
  }

  async update(
    accountId: string,
    conferenceId: string,
    patch: ConferencePatch,
  ): Promise<ConferenceRow | undefined> {
    const row = await this.db
      .updateTable("conferences")
      .set({
        // Absent fields stay absent from the SET clause; null alias clears it.
        alias: patch.alias,
        play_beep: patch.playBeep,
        status: patch.status,
        date_updated: this.now(),
        revision: sql<number>`revision + 1`,
      })
      .where("account_id", "=", accountId)
      .where("conference_id", "=", conferenceId)
      .returningAll()
      .executeTakeFirst();
    return row && conferenceFromColumns(row);
  }

  /** Oldest first, as crash recovery ends them. */
  async listUnterminated(): Promise<ConferenceRow[]> {
    const rows = await this.db
      .selectFrom("conferences")
      .selectAll()
      .where("status", "!=", "terminated")
      .orderBy("seq", "asc")
      .execute();
    return rows.map(conferenceFromColumns);
  }
}
