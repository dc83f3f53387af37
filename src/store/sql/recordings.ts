import type { Expression, ExpressionBuilder, Insertable, Kysely, Selectable, SqlBool } from "kysely";
import type { ListOptions, Page, RecordingFilter, RecordingRepo, RecordingRow } from "../types.js";
import { decodeFlag, decodeInt64, decodeNullableInt64, encodeFlag, insertedRow } from "./codec.js";
import { CompiledShapes } from "./compiled-shapes.js";
import { pageBounds } from "./paging.js";
import type { Database, RecordingsTable } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";
import type { DurableWrite } from "./sql-store.js";

type RecordingFields = Omit<RecordingRow, "dateCreated" | "dateUpdated" | "revision">;

function recordingFromColumns(c: Selectable<RecordingsTable>): RecordingRow {
  return {
    recordingId: c.recording_id,
    accountId: c.account_id,
    callId: c.call_id,
    conferenceId: c.conference_id,
    blobKey: c.blob_key,
    sizeBytes: decodeInt64(c.size_bytes),
    durationMs: decodeInt64(c.duration_ms),
    privacyMode: decodeFlag(c.privacy_mode),
    deleteAt: decodeNullableInt64(c.delete_at),
    dateCreated: decodeInt64(c.date_created),
    dateUpdated: decodeInt64(c.date_updated),
    revision: c.revision,
  };
}

function recordingToColumns(r: RecordingFields, now: number): Insertable<RecordingsTable> {
  return {
    recording_id: r.recordingId,
    account_id: r.accountId,
    call_id: r.callId,
    conference_id: r.conferenceId,
    blob_key: r.blobKey,
    size_bytes: r.sizeBytes,
    duration_ms: r.durationMs,
    privacy_mode: encodeFlag(r.privacyMode),
    delete_at: r.deleteAt,
    date_created: now,
    date_updated: now,
    revision: 1,
  };
}

/** The creation range is half-open: `createdFrom` inclusive, `createdTo` exclusive. */
function recordingConditions(accountId: string, f: RecordingFilter) {
  return (eb: ExpressionBuilder<Database, "recordings">): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [eb("account_id", "=", accountId)];
    if (f.callId !== undefined) conditions.push(eb("call_id", "=", f.callId));
    if (f.conferenceId !== undefined) conditions.push(eb("conference_id", "=", f.conferenceId));
    if (f.createdFrom !== undefined) conditions.push(eb("date_created", ">=", f.createdFrom));
    if (f.createdTo !== undefined) conditions.push(eb("date_created", "<", f.createdTo));
    if (f.liveAt !== undefined) {
      conditions.push(eb.or([eb("delete_at", "is", null), eb("delete_at", ">", f.liveAt)]));
    }
    return eb.and(conditions);
  };
}

/** Metadata only: the caller deletes the blob at `blobKey`. */
export class SqlRecordingRepo implements RecordingRepo {
  private readonly inserts: CompiledShapes<never>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly durably: DurableWrite,
  ) {
    this.inserts = new CompiledShapes(db);
  }

  /** Durable when it returns: the row is what makes a finished recording downloadable. */
  async create(row: RecordingFields): Promise<RecordingRow> {
    try {
      const columns = recordingToColumns(row, this.now());
      const { insertId } = await this.durably(this.db, (db) =>
        this.inserts.write("create", columns, [], (values) => db.insertInto("recordings").values(values)),
      );
      return recordingFromColumns(insertedRow(columns, insertId));
    } catch (err) {
      throw translateWriteError(err, "create recording", {
        accountId: row.accountId,
        recordingId: row.recordingId,
        callId: row.callId,
      });
    }
  }

  async get(accountId: string, recordingId: string): Promise<RecordingRow | undefined> {
    const row = await this.db
      .selectFrom("recordings")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("recording_id", "=", recordingId)
      .executeTakeFirst();
    return row && recordingFromColumns(row);
  }

  async getAnyAccount(recordingId: string): Promise<RecordingRow | undefined> {
    const row = await this.db
      .selectFrom("recordings")
      .selectAll()
      .where("recording_id", "=", recordingId)
      .executeTakeFirst();
    return row && recordingFromColumns(row);
  }

  async list(
    accountId: string,
    filter: RecordingFilter = {},
    page?: ListOptions,
  ): Promise<Page<RecordingRow>> {
    const { offset, limit } = pageBounds(page);
    const matching = this.db.selectFrom("recordings").where(recordingConditions(accountId, filter));
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(recordingFromColumns), total: decodeInt64(counted.total) };
  }

  async delete(accountId: string, recordingId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("recordings")
      .where("account_id", "=", accountId)
      .where("recording_id", "=", recordingId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Across all accounts, soonest deadline first. */
  async listExpired(now: number): Promise<RecordingRow[]> {
    const rows = await this.db
      .selectFrom("recordings")
      .selectAll()
      .where("privacy_mode", "=", encodeFlag(true))
      .where("delete_at", "<=", now)
      .orderBy("delete_at", "asc")
      .orderBy("seq", "asc")
      .execute();
    return rows.map(recordingFromColumns);
  }
}
