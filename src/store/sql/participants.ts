import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
} from "kysely";
import type { ListOptions, Page, ParticipantFilter, ParticipantRepo, ParticipantRow } from "../types.js";
import { decodeFlag, decodeInt64, encodeFlag } from "./codec.js";
import { pageBounds } from "./paging.js";
import type { ConferenceParticipantsTable, Database } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

type ParticipantFields = Omit<ParticipantRow, "dateCreated" | "dateUpdated" | "revision">;
type ParticipantPatch = Partial<Pick<ParticipantRow, "talk" | "listen" | "dtmfPassThrough">>;

function participantFromColumns(c: Selectable<ConferenceParticipantsTable>): ParticipantRow {
  return {
    accountId: c.account_id,
    conferenceId: c.conference_id,
    callId: c.call_id,
    talk: decodeFlag(c.talk),
    listen: decodeFlag(c.listen),
    dtmfPassThrough: decodeFlag(c.dtmf_pass_through),
    startConfOnEnter: decodeFlag(c.start_conf_on_enter),
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

function participantConditions(accountId: string, conferenceId: string, f: ParticipantFilter) {
  return (eb: ExpressionBuilder<Database, "conference_participants">): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [
      eb("account_id", "=", accountId),
      eb("conference_id", "=", conferenceId),
    ];
    if (f.talk !== undefined) conditions.push(eb("talk", "=", encodeFlag(f.talk)));
    if (f.listen !== undefined) conditions.push(eb("listen", "=", encodeFlag(f.listen)));
    if (f.dtmfPassThrough !== undefined)
      conditions.push(eb("dtmf_pass_through", "=", encodeFlag(f.dtmfPassThrough)));
    return eb.and(conditions);
  };
}

export class SqlParticipantRepo implements ParticipantRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  /** STORE_CONFLICT when the call is already in the conference; STORE_REFERENCE_NOT_FOUND without it. */
  async create(row: ParticipantFields): Promise<ParticipantRow> {
    const now = this.now();
    try {
      const inserted = await this.db
        .insertInto("conference_participants")
        .values({
          account_id: row.accountId,
          conference_id: row.conferenceId,
          call_id: row.callId,
          talk: encodeFlag(row.talk),
          listen: encodeFlag(row.listen),
          dtmf_pass_through: encodeFlag(row.dtmfPassThrough),
          start_conf_on_enter: encodeFlag(row.startConfOnEnter),
          date_created: now,
          date_updated: now,
          revision: 1,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return participantFromColumns(inserted);
    } catch (err) {
      throw translateWriteError(err, "create conference participant", {
        accountId: row.accountId,
        conferenceId: row.conferenceId,
        callId: row.callId,
      });
    }
  }

  async get(accountId: string, conferenceId: string, callId: string): Promise<ParticipantRow | undefined> {
    const row = await this.db
      .selectFrom("conference_participants")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("conference_id", "=", conferenceId)
      .where("call_id", "=", callId)
      .executeTakeFirst();
    return row && participantFromColumns(row);
  }

  async list(
    accountId: string,
    conferenceId: string,
    filter: ParticipantFilter = {},
    page?: ListOptions,
  ): Promise<Page<ParticipantRow>> {
    const { offset, limit } = pageBounds(page);
    const matching = this.db
      .selectFrom("conference_participants")
      .where(participantConditions(accountId, conferenceId, filter));
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(participantFromColumns), total: decodeInt64(counted.total) };
  }

  async update(
    accountId: string,
    conferenceId: string,
    callId: string,
    patch: ParticipantPatch,
  ): Promise<ParticipantRow | undefined> {
    const row = await this.db
      .updateTable("conference_participants")
      .set({
        talk: encodeFlag(patch.talk),
        listen: encodeFlag(patch.listen),
        dtmf_pass_through: encodeFlag(patch.dtmfPassThrough),
        date_updated: this.now(),
        revision: sql<number>`revision + 1`,
      })
      .where("account_id", "=", accountId)
      .where("conference_id", "=", conferenceId)
      .where("call_id", "=", callId)
      .returningAll()
      .executeTakeFirst();
    return row && participantFromColumns(row);
  }

  async delete(accountId: string, conferenceId: string, callId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("conference_participants")
      .where("account_id", "=", accountId)
      .where("conference_id", "=", conferenceId)
      .where("call_id", "=", callId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteAll(accountId: string, conferenceId: string): Promise<number> {
    const result = await this.db
      .deleteFrom("conference_participants")
      .where("account_id", "=", accountId)
      .where("conference_id", "=", conferenceId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
