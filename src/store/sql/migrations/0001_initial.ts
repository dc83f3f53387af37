import type { CreateTableBuilder, Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";

/*
 * The first schema. Every table gets `seq`, a database-assigned insertion counter, as its primary
 * key (it orders rows created in the same millisecond); the public id is a unique text column that
 * foreign keys point at. Only the `seq` column type differs between dialects.
 */

type TableBuilder = CreateTableBuilder<string, string>;

function sequenceKey(dialect: SqlDialectName) {
  return (table: TableBuilder): TableBuilder =>
    dialect === "postgres"
      ? table.addColumn("seq", "bigserial", (col) => col.primaryKey())
      : table.addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement());
}

function ownedByAccount(table: TableBuilder): TableBuilder {
  return table.addColumn("account_id", "text", (col) => col.notNull().references("accounts.account_id"));
}

function timestampsAndRevision(table: TableBuilder): TableBuilder {
  return table
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .addColumn("date_updated", "bigint", (col) => col.notNull())
    .addColumn("revision", "integer", (col) => col.notNull());
}

async function createTables<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<void> {
  const seq = sequenceKey(dialect);

  await db.schema
    .createTable("accounts")
    .$call(seq)
    .addColumn("account_id", "text", (col) => col.notNull().unique())
    .addColumn("api_key", "text", (col) => col.notNull())
    .addColumn("signing_secret", "text", (col) => col.notNull())
    .addColumn("alias", "text")
    .$call(timestampsAndRevision)
    .execute();

  await db.schema
    .createTable("applications")
    .$call(seq)
    .addColumn("application_id", "text", (col) => col.notNull().unique())
    .$call(ownedByAccount)
    .addColumn("alias", "text")
    .addColumn("voice_url", "text")
    .addColumn("voice_fallback_url", "text")
    .addColumn("call_connect_url", "text")
    .addColumn("status_callback_url", "text")
    .addColumn("sms_url", "text")
    .addColumn("sms_fallback_url", "text")
    .$call(timestampsAndRevision)
    .execute();

  await db.schema
    .createTable("incoming_phone_numbers")
    .$call(seq)
    .addColumn("phone_number_id", "text", (col) => col.notNull().unique())
    .$call(ownedByAccount)
    // Unique across accounts: inbound routing finds the one owner of a dialled number.
    .addColumn("phone_number", "text", (col) => col.notNull().unique())
    .addColumn("alias", "text")
    .addColumn("application_id", "text", (col) =>
      col.references("applications.application_id").onDelete("set null"),
    )
    .$call(timestampsAndRevision)
    .execute();

  // Calls keep application_id and phone_number_id as history: no foreign keys, so deleting an
  // application or releasing a number never rewrites or blocks past calls.
  await db.schema
    .createTable("calls")
    .$call(seq)
    .addColumn("call_id", "text", (col) => col.notNull().unique())
    .$call(ownedByAccount)
    .addColumn("parent_call_id", "text")
    .addColumn("application_id", "text")
    .addColumn("phone_number_id", "text")
    .addColumn("from_address", "text", (col) => col.notNull())
    .addColumn("to_address", "text", (col) => col.notNull())
    .addColumn("direction", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("call_ended_reason", "text")
    .addColumn("start_time", "bigint")
    .addColumn("connect_time", "bigint")
    .addColumn("end_time", "bigint")
    .$call(timestampsAndRevision)
    .execute();

  await db.schema
    .createTable("recordings")
    .$call(seq)
    .addColumn("recording_id", "text", (col) => col.notNull().unique())
    .$call(ownedByAccount)
    .addColumn("call_id", "text", (col) => col.notNull().references("calls.call_id"))
    .addColumn("conference_id", "text")
    .addColumn("blob_key", "text", (col) => col.notNull())
    .addColumn("size_bytes", "bigint", (col) => col.notNull())
    .addColumn("duration_ms", "bigint", (col) => col.notNull())
    .addColumn("privacy_mode", "integer", (col) => col.notNull())
    .addColumn("delete_at", "bigint")
    .$call(timestampsAndRevision)
    .execute();

  // A log and an outbox: no foreign keys, so recording what was sent never fails on a reference.
  await db.schema
    .createTable("webhook_deliveries")
    .$call(seq)
    .addColumn("delivery_id", "text", (col) => col.notNull().unique())
    .addColumn("account_id", "text", (col) => col.notNull())
    .addColumn("call_id", "text")
    .addColumn("request_type", "text", (col) => col.notNull())
    .addColumn("url", "text", (col) => col.notNull())
    .addColumn("body", "text", (col) => col.notNull())
    .addColumn("durable", "integer", (col) => col.notNull())
    .addColumn("state", "text", (col) => col.notNull())
    .addColumn("attempts", "integer", (col) => col.notNull())
    .addColumn("next_attempt_at", "bigint")
    .addColumn("last_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("latency_ms", "integer")
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .addColumn("date_updated", "bigint", (col) => col.notNull())
    .execute();

  const indexes: Array<[name: string, table: string, columns: string[]]> = [
    // Every list is one account's rows, newest first: (date_created desc, seq desc).
    ["applications_account_created_idx", "applications", ["account_id", "date_created", "seq"]],
    ["applications_account_alias_idx", "applications", ["account_id", "alias"]],
    ["numbers_account_created_idx", "incoming_phone_numbers", ["account_id", "date_created", "seq"]],
    ["numbers_account_alias_idx", "incoming_phone_numbers", ["account_id", "alias"]],
    ["numbers_application_idx", "incoming_phone_numbers", ["application_id"]],
    ["calls_account_created_idx", "calls", ["account_id", "date_created", "seq"]],
    ["calls_account_status_idx", "calls", ["account_id", "status"]],
    ["calls_account_to_idx", "calls", ["account_id", "to_address"]],
    ["calls_account_from_idx", "calls", ["account_id", "from_address"]],
    ["calls_account_start_idx", "calls", ["account_id", "start_time"]],
    ["calls_account_end_idx", "calls", ["account_id", "end_time"]],
    ["calls_account_application_idx", "calls", ["account_id", "application_id"]],
    ["calls_parent_idx", "calls", ["parent_call_id"]],
    ["recordings_account_created_idx", "recordings", ["account_id", "date_created", "seq"]],
    ["recordings_call_idx", "recordings", ["call_id"]],
    ["recordings_account_conference_idx", "recordings", ["account_id", "conference_id"]],
    ["recordings_delete_at_idx", "recordings", ["delete_at"]],
    ["deliveries_call_idx", "webhook_deliveries", ["call_id", "seq"]],
    ["deliveries_due_idx", "webhook_deliveries", ["durable", "state", "next_attempt_at"]],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  }
}

const TABLES_NEWEST_FIRST = [
  "webhook_deliveries",
  "recordings",
  "calls",
  "incoming_phone_numbers",
  "applications",
  "accounts",
];

export function initialMigration(dialect: SqlDialectName): Migration {
  return {
    // Kysely runs SQLite migrations outside a transaction; one here keeps a crash from leaving
    // half a schema behind. (On PostgreSQL the migrator already provides it.)
    async up(db) {
      if (db.isTransaction) await createTables(db, dialect);
      else await db.transaction().execute((trx) => createTables(trx, dialect));
    },
    async down(db) {
      for (const table of TABLES_NEWEST_FIRST) await db.schema.dropTable(table).execute();
    },
  };
}
