import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { isBelayError } from "../../src/errors.js";
import { groupCommitDialect } from "../../src/store/sql/group-commit-driver.js";
import { cachingStatements } from "../../src/store/sql/statement-cache.js";
import { tempDir } from "./helpers.js";

interface Tables {
  parent: { id: number };
  child: { id: number; parent: number | null };
}

/** The driver over a real SQLite file, with the transaction statements it sends counted. */
function openCounted(file: string) {
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  const sent: string[] = [];
  const engine = {
    exec(text: string) {
      sent.push(text);
      return sqlite.exec(text);
    },
    get inTransaction() {
      return sqlite.inTransaction;
    },
  };
  const db = new Kysely<Tables>({ dialect: groupCommitDialect(engine, cachingStatements(sqlite)) });
  return { db, sqlite, sent };
}

describe("group commit", () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  let opened: ReturnType<typeof openCounted>;
  /** A second connection: it sees only what has been committed. */
  let observer: SqliteDatabase.Database;

  const committedIds = (): number[] =>
    (observer.prepare("select id from child order by id").all() as Array<{ id: number }>).map((r) => r.id);
  const insert = (id: number, parent: number | null = null) =>
    opened.db.insertInto("child").values({ id, parent }).execute();

  beforeEach(async () => {
    temp = await tempDir("belay-group-commit-");
    file = join(temp.dir, "group.db");
    const setup = new SqliteDatabase(file);
    setup.exec(`
      create table parent (id integer primary key);
      create table child (id integer primary key, parent integer references parent (id));
      create trigger refuse_999 before insert on child when new.id = 999
        begin select raise(rollback, 'child 999 is refused'); end;
    `);
    setup.close();
    opened = openCounted(file);
    observer = new SqliteDatabase(file, { readonly: true });
  });
  afterEach(async () => {
    observer.close();
    await opened.db.destroy();
    await temp.remove();
  });

  test("the writes of one turn commit together, and each caller is answered only after the commit", async () => {
    const seenAtAnswer: number[][] = [];
    await Promise.all([1, 2, 3].map((n) => insert(n).then(() => seenAtAnswer.push(committedIds()))));
    assert.deepEqual(opened.sent, ["begin immediate", "commit"]);
    assert.deepEqual(seenAtAnswer, [
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  test("a write that returns its row (RETURNING) joins the group like any other write", async () => {
    const insertReturning = (id: number) =>
      opened.db.insertInto("child").values({ id, parent: null }).returningAll().executeTakeFirstOrThrow();
    const seenAtAnswer: number[][] = [];
    const rows = await Promise.all(
      [1, 2].map((n) =>
        insertReturning(n).then((row) => {
          seenAtAnswer.push(committedIds());
          return row;
        }),
      ),
    );
    assert.deepEqual(rows, [
      { id: 1, parent: null },
      { id: 2, parent: null },
    ]);
    assert.deepEqual(opened.sent, ["begin immediate", "commit"]);
    assert.deepEqual(seenAtAnswer, [
      [1, 2],
      [1, 2],
    ]);
  });

  test("writes in later turns commit on their own", async () => {
    await insert(1);
    await insert(2);
    assert.deepEqual(opened.sent, ["begin immediate", "commit", "begin immediate", "commit"]);
    assert.deepEqual(committedIds(), [1, 2]);
  });

  test("a read outside any group is answered at once, without a transaction", async () => {
    await insert(1);
    opened.sent.length = 0;
    const rows = await opened.db.selectFrom("child").select("id").execute();
    assert.deepEqual(rows, [{ id: 1 }]);
    assert.deepEqual(opened.sent, []);
  });

  test("a statement that fails alone fails only its caller; the rest of its group commits", async () => {
    await insert(1);
    const results = await Promise.allSettled([insert(2), insert(1), insert(3)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    const failure = (results[1] as PromiseRejectedResult).reason as { code?: string };
    assert.equal(failure.code, "SQLITE_CONSTRAINT_PRIMARYKEY");
    assert.deepEqual(committedIds(), [1, 2, 3]);
  });

  test("a statement that rolls the whole transaction back fails every caller whose write it undid", async () => {
    const results = await Promise.allSettled([insert(1), insert(2), insert(999), insert(4)]);
    const reasons = results.map((r) => (r.status === "rejected" ? r.reason : undefined));
    assert.ok(isBelayError(reasons[0], "STORE_COMMIT_FAILED"), String(reasons[0]));
    assert.ok(isBelayError(reasons[1], "STORE_COMMIT_FAILED"), String(reasons[1]));
    assert.match((reasons[2] as Error).message, /child 999 is refused/);
    // The write after it, in the same turn, starts a group of its own and is kept.
    assert.equal(results[3].status, "fulfilled");
    assert.deepEqual(committedIds(), [4]);
  });

  test("a failed commit fails every caller in the group, keeps none of it and leaves no transaction open", async () => {
    // Deferred foreign keys are checked at COMMIT, so the commit itself fails.
    const results = await Promise.allSettled([
      insert(1),
      sql`pragma defer_foreign_keys = on`.execute(opened.db),
      insert(2, 42),
    ]);
    for (const result of results) {
      assert.equal(result.status, "rejected");
      assert.ok(isBelayError(result.reason, "STORE_COMMIT_FAILED"), String(result.reason));
    }
    assert.equal(opened.sqlite.inTransaction, false);
    assert.deepEqual(committedIds(), []);
    await insert(3);
    assert.deepEqual(committedIds(), [3]);
  });

  test("an explicit transaction commits the open group first and has the connection to itself", async () => {
    let letTransactionFinish = () => {};
    const transactionMayFinish = new Promise<void>((resolve) => {
      letTransactionFinish = resolve;
    });
    const grouped = insert(1);
    const transaction = opened.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("child").values({ id: 10, parent: null }).execute();
        await transactionMayFinish;
        throw new Error("roll it back");
      })
      .catch((err: Error) => err.message);
    await grouped;
    assert.deepEqual(committedIds(), [1]);
    // Issued while the transaction is open: it must neither land in it nor be rolled back with it.
    const during = insert(2);
    letTransactionFinish();
    assert.equal(await transaction, "roll it back");
    await during;
    assert.deepEqual(committedIds(), [1, 2]);
    assert.deepEqual(opened.sent, [
      "begin immediate",
      "commit",
      "begin",
      "rollback",
      "begin immediate",
      "commit",
    ]);
  });
});

describe("group commit on a full disk", () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    temp = await tempDir("belay-group-full-");
  });
  afterEach(() => temp.remove());

  /**
   * The driver over a real SQLite file whose first COMMIT fails as SQLite does when the disk is
   * full (SQLITE_FULL, the transaction still open): the fault is injected, the database is real.
   */
  function openFilling(file: string, onDiskFull: () => boolean) {
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec("create table child (id integer primary key, parent integer)");
    let failures = 0;
    const sent: string[] = [];
    const engine = {
      exec(text: string) {
        sent.push(text);
        if (text === "commit" && failures > 0) {
          failures--;
          throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
        }
        return sqlite.exec(text);
      },
      get inTransaction() {
        return sqlite.inTransaction;
      },
    };
    const dialect = groupCommitDialect(engine, cachingStatements(sqlite), onDiskFull);
    const db = new Kysely<Tables>({ dialect });
    return {
      dialect,
      db,
      sqlite,
      sent,
      failNextCommit: () => {
        failures = 1;
      },
    };
  }

  test("once the handler has made room, the same commit is tried again and every caller is answered", async () => {
    let told = 0;
    const { db, sqlite, failNextCommit } = openFilling(join(temp.dir, "a.db"), () => ++told > 0);
    failNextCommit();
    await Promise.all([1, 2].map((id) => db.insertInto("child").values({ id, parent: null }).execute()));
    assert.equal(told, 1);
    assert.deepEqual(sqlite.prepare("select id from child order by id").pluck().all(), [1, 2]);
    await db.destroy();
  });

  test("with no room to make, the callers are told the commit failed, nothing is kept, and the WAL gives its space back", async () => {
    const file = join(temp.dir, "b.db");
    const { db, sqlite, sent, failNextCommit } = openFilling(file, () => false);
    await db.insertInto("child").values({ id: 7, parent: null }).execute();
    assert.ok(statSync(`${file}-wal`).size > 0, "the WAL holds the first commit");
    failNextCommit();
    const results = await Promise.allSettled(
      [1, 2].map((id) => db.insertInto("child").values({ id, parent: null }).execute()),
    );
    assert.equal(sent.at(-1), "pragma wal_checkpoint(truncate)");
    assert.equal(statSync(`${file}-wal`).size, 0, "checkpointed into the database and cut to nothing");
    for (const result of results) {
      assert.equal(result.status, "rejected");
      assert.ok(isBelayError(result.reason, "STORE_COMMIT_FAILED"));
    }
    assert.equal(sqlite.inTransaction, false);
    assert.deepEqual(sqlite.prepare("select id from child").pluck().all(), [7]);
    await db.destroy();
  });

  test("while the disk is low the WAL is checkpointed, cut to nothing and then kept small", async () => {
    const file = join(temp.dir, "c.db");
    const { db, sqlite, dialect } = openFilling(file, () => false);
    await Promise.all([1, 2, 3].map((id) => db.insertInto("child").values({ id, parent: null }).execute()));
    assert.ok(statSync(`${file}-wal`).size > 0);
    dialect.diskLow(true);
    assert.equal(statSync(`${file}-wal`).size, 0);
    assert.equal(sqlite.pragma("wal_autocheckpoint", { simple: true }), 16);
    assert.equal(sqlite.pragma("journal_size_limit", { simple: true }), 64 * 1024);
    dialect.diskLow(false);
    assert.equal(sqlite.pragma("wal_autocheckpoint", { simple: true }), 1000);
    assert.equal(sqlite.pragma("journal_size_limit", { simple: true }), -1);
    assert.deepEqual(sqlite.prepare("select id from child order by id").pluck().all(), [1, 2, 3]);
    await db.destroy();
  });
});
