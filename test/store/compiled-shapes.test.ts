import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { type Generated, Kysely, type Selectable, SqliteDialect, sql } from "kysely";
import { isBelayError } from "../../src/errors.js";
import { CompiledShapes } from "../../src/store/sql/compiled-shapes.js";

interface Tables {
  t: { id: number; name: string | null; n: Generated<number> };
}

describe("CompiledShapes", () => {
  let db: Kysely<Tables>;
  beforeEach(async () => {
    db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: new SqliteDatabase(":memory:") }) });
    await sql`create table t (id integer primary key, name text, n integer not null default 0)`.execute(db);
  });
  afterEach(() => db.destroy());

  test("a shape is built once, and each run binds its own values", async () => {
    const shapes = new CompiledShapes<Selectable<Tables["t"]>>(db);
    let builds = 0;
    const insert = (row: { id: number; name?: string | undefined; n?: number }) =>
      shapes.write("insert", row, [], (values) => {
        builds++;
        return db.insertInto("t").values(values).returningAll();
      });
    assert.deepEqual((await insert({ id: 1, name: "one" })).rows, [{ id: 1, name: "one", n: 0 }]);
    assert.deepEqual((await insert({ id: 2, name: "two" })).rows, [{ id: 2, name: "two", n: 0 }]);
    assert.equal(builds, 1);
    // Another set of columns is another shape; an absent (undefined) column is not written.
    assert.deepEqual((await insert({ id: 3, name: undefined, n: 7 })).rows, [{ id: 3, name: null, n: 7 }]);
    assert.equal(builds, 2);
  });

  test("a value bound as a literal instead of a slot is refused when the shape is built", async () => {
    const shapes = new CompiledShapes<Selectable<Tables["t"]>>(db);
    assert.throws(
      () =>
        shapes.run("update", [1], (slots) =>
          db
            .updateTable("t")
            .set({ n: 5 })
            .where("id", "=", slots[0] as never),
        ),
      (err: unknown) => isBelayError(err, "STORE_QUERY_SHAPE"),
    );
  });

  test("past its capacity the cache starts over and still runs every shape", async () => {
    const shapes = new CompiledShapes<Selectable<Tables["t"]>>(db, 2);
    for (let id = 1; id <= 5; id++) {
      const { rows } = await shapes.run(`shape ${id}`, [id], (slots) =>
        db
          .insertInto("t")
          .values({ id: slots[0] as never, n: slots[0] as never })
          .returningAll(),
      );
      assert.deepEqual(rows, [{ id, name: null, n: id }]);
    }
  });
});
