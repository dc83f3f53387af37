import {
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
  type Updateable,
} from "kysely";
import {
  ACTIVE_CALL_STATUSES,
  type CallFilter,
  type CallRepo,
  type CallRow,
  type ListOptions,
  type Page,
  type Patch,
} from "../types.js";
import { decodeInt64, decodeNullableInt64, insertedRow } from "./codec.js";
import { CompiledShapes } from "./compiled-shapes.js";
import { pageBounds } from "./paging.js";
import type { CallsTable, Database } from "./schema.js";
import { assertUnchanged, translateWriteError } from "./sql-errors.js";

type CallFields = Omit<CallRow, "dateCreated" | "dateUpdated" | "revision">;

function callFromColumns(c: Selectable<CallsTable>): CallRow {
  return {
    callId: c.call_id,
    accountId: c.account_id,
    parentCallId: c.parent_call_id,
    applicationId: c.application_id,
    phoneNumberId: c.phone_number_id,
    from: c.from_address,
    to: c.to_address,
    direction: c.direction,
    status: c.status,
    callEndedReason: c.call_ended_reason,
    startTime: decodeNullableInt64(c.start_time),
    connectTime: decodeNullableInt64(c.connect_time),
    endTime: decodeNullableInt64(c.end_time),
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

/** Maps the fields present; absent (undefined) fields stay absent, so a patch touches only them. */
function callToColumns(
  r: CallFields,
): Omit<Insertable<CallsTable>, "date_created" | "date_updated" | "revision">;
function callToColumns(r: Partial<CallFields>): Updateable<CallsTable>;
function callToColumns(r: Partial<CallFields>): Updateable<CallsTable> {
  return {
    call_id: r.callId,
    account_id: r.accountId,
    parent_call_id: r.parentCallId,
    application_id: r.applicationId,
    phone_number_id: r.phoneNumberId,
    from_address: r.from,
    to_address: r.to,
    direction: r.direction,
    status: r.status,
    call_ended_reason: r.callEndedReason,
    start_time: r.startTime,
    connect_time: r.connectTime,
    end_time: r.endTime,
  };
}

/** Time ranges are half-open: `…From` inclusive, `…To` exclusive. Rows with a null time never match. */
function callConditions(accountId: string, f: CallFilter) {
  return (eb: ExpressionBuilder<Database, "calls">): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [eb("account_id", "=", accountId)];
    if (f.active === true) conditions.push(eb("status", "in", ACTIVE_CALL_STATUSES));
    if (f.to !== undefined) conditions.push(eb("to_address", "=", f.to));
    if (f.from !== undefined) conditions.push(eb("from_address", "=", f.from));
    if (f.status !== undefined) conditions.push(eb("status", "=", f.status));
    if (f.startTimeFrom !== undefined) conditions.push(eb("start_time", ">=", f.startTimeFrom));
    if (f.startTimeTo !== undefined) conditions.push(eb("start_time", "<", f.startTimeTo));
    if (f.endTimeFrom !== undefined) conditions.push(eb("end_time", ">=", f.endTimeFrom));
    if (f.endTimeTo !== undefined) conditions.push(eb("end_time", "<", f.endTimeTo));
    if (f.parentCallId !== undefined) conditions.push(eb("parent_call_id", "=", f.parentCallId));
    if (f.applicationId !== undefined) conditions.push(eb("application_id", "=", f.applicationId));
    if (f.applicationIds !== undefined)
      conditions.push(f.applicationIds.length ? eb("application_id", "in", f.applicationIds) : eb.lit(false));
    return eb.and(conditions);
  };
}

export class SqlCallRepo implements CallRepo {
  private readonly inserts: CompiledShapes<never>;
  private readonly updates: CompiledShapes<Selectable<CallsTable>>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {
    this.inserts = new CompiledShapes(db);
    this.updates = new CompiledShapes(db);
  }

  async create(row: CallFields): Promise<CallRow> {
    const now = this.now();
    const columns = { ...callToColumns(row), date_created: now, date_updated: now, revision: 1 };
    try {
      const { insertId } = await this.inserts.write("create", columns, [], (values) =>
        this.db.insertInto("calls").values(values),
      );
      return callFromColumns(insertedRow(columns, insertId));
    } catch (err) {
      throw translateWriteError(err, "create call", { accountId: row.accountId, callId: row.callId });
    }
  }

  async get(accountId: string, callId: string): Promise<CallRow | undefined> {
    const row = await this.db
      .selectFrom("calls")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("call_id", "=", callId)
      .executeTakeFirst();
    return row && callFromColumns(row);
  }

  async list(accountId: string, filter: CallFilter = {}, page?: ListOptions): Promise<Page<CallRow>> {
    const { offset, limit } = pageBounds(page);
    const matching = this.db.selectFrom("calls").where(callConditions(accountId, filter));
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(callFromColumns), total: decodeInt64(counted.total) };
  }

  async listActiveAnyAccount(): Promise<CallRow[]> {
    const rows = await this.db
      .selectFrom("calls")
      .selectAll()
      .where("status", "in", ACTIVE_CALL_STATUSES)
      .orderBy("seq", "asc")
      .execute();
    return rows.map(callFromColumns);
  }

  async update(accountId: string, callId: string, patch: Patch<CallRow>): Promise<CallRow | undefined> {
    const { callId: newId, accountId: newAccount, dateUpdated: _ignored, ...changes } = patch;
    assertUnchanged("callId", newId, callId);
    assertUnchanged("accountId", newAccount, accountId);
    const columns: Updateable<CallsTable> = { ...callToColumns(changes), date_updated: this.now() };
    const { rows } = await this.updates.write(
      "update",
      columns,
      [accountId, callId],
      (values, [account, call]) =>
        this.db
          .updateTable("calls")
          .set({ ...values, revision: sql<number>`revision + 1` })
          .where("account_id", "=", account as never)
          .where("call_id", "=", call as never)
          .returningAll(),
    );
    const row = rows[0];
    return row && callFromColumns(row);
  }
}
