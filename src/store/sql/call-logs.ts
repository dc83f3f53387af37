import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
} from "kysely";
import { BelayError } from "../../errors.js";
import type {
  CallLogCondition,
  CallLogField,
  CallLogFilter,
  CallLogRepo,
  CallLogRow,
  ListOptions,
  Page,
} from "../types.js";
import { decodeInt64 } from "./codec.js";
import { CompiledShapes } from "./compiled-shapes.js";
import { pageBounds } from "./paging.js";
import type { CallLogsTable, Database } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

type Builder = ExpressionBuilder<Database, "call_logs">;

const COLUMNS: Record<
  CallLogField,
  "timestamp_us" | "level" | "request_id" | "account_id" | "call_id" | "message"
> = {
  timestamp: "timestamp_us",
  level: "level",
  requestId: "request_id",
  accountId: "account_id",
  callId: "call_id",
  message: "message",
};

function logFromColumns(c: Selectable<CallLogsTable>): CallLogRow {
  return {
    accountId: c.account_id,
    callId: c.call_id,
    timestamp: decodeInt64(c.timestamp_us),
    level: c.level,
    requestId: c.request_id,
    message: c.message,
    metadata: c.metadata === null ? null : (JSON.parse(c.metadata) as Record<string, unknown>),
    dateCreated: decodeInt64(c.date_created),
  };
}

/** json_type names per value type: a number never equals or orders against a string. */
const JSON_TYPES: Record<"string" | "number" | "boolean", string[]> = {
  string: ["text"],
  number: ["integer", "real"],
  boolean: ["true", "false"],
};
const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A filter condition as SQL. `!=` is null-safe: an entry without the field (a null callId, a
 * metadata key it lacks or holds as another type) is "not equal", as a reader of the log expects.
 * Metadata paths go through SQLite's JSON functions; a PostgreSQL store would use jsonb here.
 */
function conditionSql(eb: Builder, condition: CallLogCondition): Expression<SqlBool> {
  if (condition.kind === "and" || condition.kind === "or") {
    const both = [conditionSql(eb, condition.left), conditionSql(eb, condition.right)];
    return condition.kind === "and" ? eb.and(both) : eb.or(both);
  }
  if (condition.kind === "field") {
    const operator = condition.comparator === "!=" ? "is not" : condition.comparator;
    return eb(COLUMNS[condition.field], operator, condition.value as never);
  }
  for (const key of condition.path) {
    if (!METADATA_KEY.test(key))
      throw new BelayError("STORE_FILTER_INVALID", `metadata key ${JSON.stringify(key)} is not a plain name`);
  }
  const path = `$.${condition.path.join(".")}`;
  const kind = typeof condition.value as "string" | "number" | "boolean";
  // JSON true/false come out of json_extract as 1/0.
  const value = typeof condition.value === "boolean" ? Number(condition.value) : condition.value;
  const typed = eb(sql`coalesce(json_type(${eb.ref("metadata")}, ${path}), '')`, "in", JSON_TYPES[kind]);
  const extracted = sql`json_extract(${eb.ref("metadata")}, ${path})`;
  if (condition.comparator === "!=") return eb.not(eb.and([typed, eb(extracted, "=", value)]));
  return eb.and([typed, eb(extracted, condition.comparator, value)]);
}

function filterSql(accountId: string, filter: CallLogFilter) {
  return (eb: Builder): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [eb("account_id", "=", accountId)];
    if (filter.callId !== undefined) conditions.push(eb("call_id", "=", filter.callId));
    if (filter.upToSeq !== undefined) conditions.push(eb("seq", "<=", filter.upToSeq));
    if (filter.where !== undefined) conditions.push(conditionSql(eb, filter.where));
    return eb.and(conditions);
  };
}

export class SqlCallLogRepo implements CallLogRepo {
  // A call writes several entries: their insert is compiled once, not built by Kysely each time.
  private readonly inserts: CompiledShapes<never>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {
    this.inserts = new CompiledShapes(db);
  }

  async create(row: Omit<CallLogRow, "dateCreated">): Promise<void> {
    const columns = {
      account_id: row.accountId,
      call_id: row.callId,
      timestamp_us: row.timestamp,
      level: row.level,
      request_id: row.requestId,
      message: row.message,
      metadata: row.metadata === null ? null : JSON.stringify(row.metadata),
      date_created: this.now(),
    };
    try {
      await this.inserts.write("create", columns, [], (values) =>
        this.db.insertInto("call_logs").values(values),
      );
    } catch (err) {
      throw translateWriteError(err, "create call log entry", {
        accountId: row.accountId,
        callId: row.callId,
      });
    }
  }

  async list(
    accountId: string,
    filter: CallLogFilter = {},
    page?: ListOptions,
  ): Promise<Page<CallLogRow> & { snapshot: number }> {
    const { offset, limit } = pageBounds(page);
    // The snapshot first: entries written while this runs stay out of this page and the next.
    const snapshot =
      filter.upToSeq ??
      decodeInt64(
        (
          await this.db
            .selectFrom("call_logs")
            .select((eb) => eb.fn.max("seq").as("top"))
            .executeTakeFirst()
        )?.top ?? 0,
      );
    const matching = this.db
      .selectFrom("call_logs")
      .where(filterSql(accountId, { ...filter, upToSeq: snapshot }));
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("timestamp_us", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(logFromColumns), total: decodeInt64(counted.total), snapshot };
  }

  async deleteBefore(before: number, limit: number): Promise<number> {
    // A bounded batch by key, as the delivery log's pruning does: short deletes keep the write
    // lock brief for the calls running meanwhile.
    const result = await this.db
      .deleteFrom("call_logs")
      .where("seq", "in", (eb) =>
        eb
          .selectFrom("call_logs")
          .select("seq")
          .where("date_created", "<", before)
          .orderBy("date_created", "asc")
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
