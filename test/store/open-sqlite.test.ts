import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, NO_MIGRATIONS, SqliteDialect, sql } from "kysely";
import { isBelayError } from "../../src/errors.js";
import { belayMigrations, migrateToLatest } from "../../src/store/sql/migrations/index.js";
import { openSqliteStore, walDurability } from "../../src/store/sql/open-sqlite.js";
import type { Database } from "../../src/store/sql/schema.js";
import {
  id,
  ManualClock,
  newAccount,
  newApplication,
  newCall,
  newNumber,
  newRecording,
  tempDir,
} from "./helpers.js";

const A = newAccount(1).accountId;

describe("openSqliteStore", () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  beforeEach(async () => {
    temp = await tempDir();
    file = join(temp.dir, "belay.db");
  });
  afterEach(() => temp.remove());

  test("data survives close and reopen; reopening runs no migration twice", async () => {
    const clock = new ManualClock();
    const first = await openSqliteStore(file, { now: clock.now });
    await first.accounts.create(newAccount(1));
    const app = await first.applications.create(newApplication(A, 1, { alias: "kept" }));
    const number = await first.numbers.create(newNumber(A, 1, { applicationId: app.applicationId }));
    const call = await first.calls.create(newCall(A, 1, { status: "completed", endTime: clock.time + 5 }));
    const recording = await first.recordings.create(
      newRecording(A, call.callId, 1, { privacyMode: true, deleteAt: clock.time + 120_000 }),
    );
    await first.close();
    await first.close(); // closing twice is harmless

    const second = await openSqliteStore(file, { now: clock.now });
    try {
      assert.deepEqual(await second.applications.get(A, app.applicationId), app);
      assert.deepEqual(await second.numbers.findByNumber(number.phoneNumber), number);
      assert.deepEqual(await second.calls.get(A, call.callId), call);
      assert.deepEqual(await second.recordings.get(A, recording.recordingId), recording);
      assert.equal((await second.applications.list(A)).total, 1);
      // New rows after a reopen still sort after the old ones.
      await second.applications.create(newApplication(A, 2));
      assert.deepEqual(
        (await second.applications.list(A)).items.map((a) => a.applicationId),
        [id("AP", 2), id("AP", 1)],
      );
    } finally {
      await second.close();
    }

    const raw = new SqliteDatabase(file);
    try {
      const applied = raw.prepare("select name from kysely_migration order by name").all();
      assert.deepEqual(applied, [
        { name: "0001_initial" },
        { name: "0002_devices" },
        { name: "0003_recovery" },
        { name: "0004_sip_dialogs" },
        { name: "0005_delivery_retention" },
        { name: "0006_account_label" },
        { name: "0007_call_logs" },
        { name: "0008_conferences" },
        { name: "0009_live_recording_kind" },
        { name: "0010_queues" },
      ]);
      assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      raw.close();
    }
  });

  test("a durable write is committed, then waits for the WAL's fsync, and fails if it cannot sync", async () => {
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma("journal_mode = WAL");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    await sql`create table t (v integer)`.execute(db);
    const insert = (on: Kysely<Database>) =>
      sql`insert into t (v) values (1)`.execute(on).then(() => "inserted");
    const count = async () => (await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows[0]?.n;
    try {
      const good = walDurability(`${file}-wal`);
      assert.equal(await good.durably(db, insert), "inserted");
      await good.close();
      const missing = walDurability(join(temp.dir, "no-such-wal"));
      await assert.rejects(missing.durably(db, insert), { code: "ENOENT" });
      await missing.close();
      assert.equal(await count(), 2, "the commit happened; only its durability is in doubt");
    } finally {
      await db.destroy();
    }
  });

  test("migrateToLatest applies every migration once, then nothing", async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    try {
      assert.deepEqual(await migrateToLatest(db, "sqlite"), [
        "0001_initial",
        "0002_devices",
        "0003_recovery",
        "0004_sip_dialogs",
        "0005_delivery_retention",
        "0006_account_label",
        "0007_call_logs",
        "0008_conferences",
        "0009_live_recording_kind",
        "0010_queues",
      ]);
      assert.deepEqual(await migrateToLatest(db, "sqlite"), []);
      const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
      assert.deepEqual(tables, [
        "accounts",
        "applications",
        "call_logs",
        "calls",
        "conference_participants",
        "conferences",
        "devices",
        "incoming_phone_numbers",
        "live_calls",
        "live_recordings",
        "queues",
        "recordings",
        "sip_dialogs",
        "webhook_deliveries",
      ]);
    } finally {
      await db.destroy();
    }
  });

  test("the initial migration can be rolled back", async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    try {
      await migrateToLatest(db, "sqlite");
      const migrator = new Migrator({ db, provider: belayMigrations("sqlite") });
      const { error } = await migrator.migrateTo(NO_MIGRATIONS);
      assert.equal(error, undefined);
      assert.deepEqual(await db.introspection.getTables(), []);
    } finally {
      await db.destroy();
    }
  });

  test("foreign keys are enforced on every connection", async () => {
    const store = await openSqliteStore(file);
    try {
      await assert.rejects(store.calls.create(newCall(A, 1)), (err) =>
        isBelayError(err, "STORE_REFERENCE_NOT_FOUND"),
      );
    } finally {
      await store.close();
    }
  });

  test("dates default to the wall clock", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      const before = Date.now();
      const account = await store.accounts.create(newAccount(1));
      const after = Date.now();
      assert.ok(account.dateCreated >= before && account.dateCreated <= after);
      assert.equal(account.dateUpdated, account.dateCreated);
    } finally {
      await store.close();
    }
  });

  test("each :memory: store is its own database", async () => {
    const one = await openSqliteStore(":memory:");
    const two = await openSqliteStore(":memory:");
    try {
      await one.accounts.create(newAccount(1));
      assert.equal((await one.accounts.list()).length, 1);
      assert.deepEqual(await two.accounts.list(), []);
    } finally {
      await one.close();
      await two.close();
    }
  });

  test("a file in a missing folder is STORE_OPEN_FAILED", async () => {
    await assert.rejects(openSqliteStore(join(temp.dir, "no", "such", "belay.db")), (err) =>
      isBelayError(err, "STORE_OPEN_FAILED"),
    );
  });
});
