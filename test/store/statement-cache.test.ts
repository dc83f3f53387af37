import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import { cachingStatements } from "../../src/store/sql/statement-cache.js";

function counted() {
  const sqlite = new Database(":memory:");
  let prepared = 0;
  const database = {
    prepare(sql: string) {
      prepared++;
      return sqlite.prepare(sql);
    },
    close: () => sqlite.close(),
  };
  return { database, prepared: () => prepared };
}

test("a statement is prepared once and reused, with its parameters bound anew each time", () => {
  const { database, prepared } = counted();
  const db = cachingStatements(database);
  db.prepare("create table t (x integer)").run([]);
  for (let i = 0; i < 5; i++) db.prepare("insert into t (x) values (?)").run([i]);
  const rows = db.prepare("select x from t order by x").all([]) as Array<{ x: number }>;
  assert.deepEqual(
    rows.map((r) => r.x),
    [0, 1, 2, 3, 4],
  );
  assert.equal(prepared(), 3);
  db.close();
});

test("beyond its capacity the least recently used statement is prepared again", () => {
  const { database, prepared } = counted();
  const db = cachingStatements(database, 2);
  db.prepare("select 1").all([]);
  db.prepare("select 2").all([]);
  db.prepare("select 1").all([]); // refreshes "select 1"
  db.prepare("select 3").all([]); // evicts "select 2"
  db.prepare("select 1").all([]);
  assert.equal(prepared(), 3);
  db.prepare("select 2").all([]);
  assert.equal(prepared(), 4);
  db.close();
});
