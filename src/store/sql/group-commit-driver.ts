import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type SqliteStatement,
} from "kysely";
import { BelayError } from "../../errors.js";

/** What the driver needs of better-sqlite3 beside prepared statements. */
export interface SqliteEngine {
  exec(sql: string): unknown;
  readonly inTransaction: boolean;
}

/** A prepared statement; `readonly` tells a write that returns rows (RETURNING) from a read. */
export interface Statement extends SqliteStatement {
  readonly readonly: boolean;
}

export interface Statements {
  prepare(sql: string): Statement;
  close(): void;
}

interface Group {
  readonly committed: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

interface Transaction {
  readonly connection: GroupCommitConnection;
  readonly ended: Promise<void>;
  end(): void;
}

/**
 * A Kysely dialect for better-sqlite3 that commits the writes of one event-loop turn together.
 *
 * A commit is most of what a small write costs SQLite (the WAL frames of every page it touched,
 * the table's and each index's), and a virtual call makes nine of them. So the first write outside
 * a transaction begins one, every statement after it in the same turn joins it, and a
 * setImmediate commits it. Nobody is answered before the commit: a write or read that ran inside
 * the group resolves once the group commits, and rejects if it does not, so no caller acts on a
 * row that was rolled back. A statement that fails on its own (a constraint) fails only its
 * caller; SQLite undoes just that statement. One that makes SQLite roll back the whole
 * transaction fails every caller in the group.
 *
 * Explicit transactions (db.transaction()) commit the open group first and then have the
 * connection to themselves, as with Kysely's own SQLite driver.
 */
export function groupCommitDialect(
  engine: SqliteEngine,
  statements: Statements,
  onDiskFull: DiskFullHandler = () => false,
): Dialect & { diskLow(low: boolean): void } {
  const driver = new GroupCommitDriver(engine, statements, onDiskFull);
  return {
    diskLow: (low: boolean) => driver.diskLow(low),
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}

/** Told when SQLite finds the disk full; true when it made room, so the failed commit is retried. */
export type DiskFullHandler = () => boolean;

function isSqliteFull(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "SQLITE_FULL";
}

class GroupCommitDriver implements Driver {
  #group: Group | undefined;
  #transaction: Transaction | undefined;

  constructor(
    private readonly engine: SqliteEngine,
    private readonly statements: Statements,
    private readonly onDiskFull: DiskFullHandler,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GroupCommitConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const owner = connection as GroupCommitConnection;
    await this.#noTransaction();
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.#transaction = { connection: owner, ended, end };
    this.commitGroup();
    this.engine.exec("begin");
  }

  async commitTransaction(): Promise<void> {
    // A failed commit (a deferred constraint) leaves the transaction open; Kysely rolls it back.
    this.engine.exec("commit");
    this.#endTransaction();
  }

  async rollbackTransaction(): Promise<void> {
    try {
      if (this.engine.inTransaction) this.engine.exec("rollback");
    } finally {
      this.#endTransaction();
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // Reached with the transaction still held only when beginning it failed.
    if (this.#transaction?.connection === connection) {
      if (this.engine.inTransaction) this.engine.exec("rollback");
      this.#endTransaction();
    }
  }

  async destroy(): Promise<void> {
    this.commitGroup();
    this.statements.close();
  }

  /** True when `connection` owns the open explicit transaction. */
  inTransaction(connection: GroupCommitConnection): boolean {
    return this.#transaction?.connection === connection;
  }

  /** Runs a statement of the explicit transaction, which commits on its own. */
  run(query: CompiledQuery): QueryResult<unknown> {
    return execute(this.statements.prepare(query.sql), query.parameters);
  }

  async runGrouped(query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (this.#transaction) await this.#noTransaction();
    const statement = this.statements.prepare(query.sql);
    // A read outside any group sees only committed rows, so it can be answered at once.
    if (statement.readonly && this.#group === undefined) return execute(statement, query.parameters);
    const group = this.#group ?? this.#openGroup();
    let result: QueryResult<unknown>;
    try {
      result = execute(statement, query.parameters);
    } catch (err) {
      if (isSqliteFull(err)) this.onDiskFull();
      if (!this.engine.inTransaction) {
        this.#abandonGroup(group, err);
        if (isSqliteFull(err)) this.#reclaimWal();
      }
      throw err;
    }
    await group.committed;
    return result;
  }

  /**
   * While the disk is low the WAL is kept small: checkpointed once it holds 16 pages and cut back
   * to 64 KB after each checkpoint, and checkpointed and truncated right now. With room again,
   * SQLite's defaults (1000 pages, no limit) come back. Skipped while an explicit transaction runs.
   */
  diskLow(low: boolean): void {
    if (this.#transaction) return;
    this.commitGroup();
    try {
      this.engine.exec(`pragma wal_autocheckpoint = ${low ? 16 : 1000}`);
      this.engine.exec(`pragma journal_size_limit = ${low ? 64 * 1024 : -1}`);
    } catch {
      // Not applied: the WAL grows as usual, which is only less thrifty.
    }
    if (low) this.#reclaimWal();
  }

  /** Commits the open group now, if there is one. */
  commitGroup(): void {
    const group = this.#group;
    if (group === undefined) return;
    this.#group = undefined;
    try {
      this.#commitMakingRoom();
      group.resolve();
    } catch (err) {
      // COMMIT can fail and leave the transaction open (a deferred foreign key); nothing of it
      // may be kept, since its callers are told it failed.
      if (this.engine.inTransaction) this.engine.exec("rollback");
      if (isSqliteFull(err)) this.#reclaimWal();
      group.reject(
        new BelayError(
          "STORE_COMMIT_FAILED",
          `the store could not commit: ${(err as Error).message}`,
          {},
          { cause: err },
        ),
      );
    }
  }

  /**
   * A commit that finds the disk full leaves the transaction open: once the handler has made
   * room (Belay's disk reserve), the same commit is tried once more.
   */
  #commitMakingRoom(): void {
    try {
      this.engine.exec("commit");
    } catch (err) {
      if (!(isSqliteFull(err) && this.onDiskFull() && this.engine.inTransaction)) throw err;
      this.engine.exec("commit");
    }
  }

  /**
   * The disk is full and no transaction is open: the WAL, which grows until a checkpoint (up to
   * 1000 pages, 4 MB) and holds every version of the pages written since, is copied into the
   * database and cut to nothing, giving its space back for the writes that are retried.
   */
  #reclaimWal(): void {
    try {
      this.engine.exec("pragma wal_checkpoint(truncate)");
    } catch {
      // A reader holding the WAL, or no room even for this: the retry finds out.
    }
  }

  #openGroup(): Group {
    // IMMEDIATE takes the write lock now, waiting busy_timeout for another process's writer.
    this.engine.exec("begin immediate");
    let resolve = () => {};
    let reject: (err: unknown) => void = () => {};
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const group = { committed, resolve, reject };
    this.#group = group;
    setImmediate(() => {
      if (this.#group === group) this.commitGroup();
    });
    return group;
  }

  /** SQLite rolled the whole transaction back: every write of the group is gone. */
  #abandonGroup(group: Group, err: unknown): void {
    if (this.#group !== group) return;
    this.#group = undefined;
    group.reject(
      new BelayError(
        "STORE_COMMIT_FAILED",
        `the store rolled back writes committed together with a failing one: ${(err as Error).message}`,
        {},
        { cause: err },
      ),
    );
  }

  async #noTransaction(): Promise<void> {
    while (this.#transaction) await this.#transaction.ended;
  }

  #endTransaction(): void {
    const transaction = this.#transaction;
    this.#transaction = undefined;
    transaction?.end();
  }
}

class GroupCommitConnection implements DatabaseConnection {
  constructor(private readonly driver: GroupCommitDriver) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.driver.inTransaction(this)) return this.driver.run(query) as QueryResult<R>;
    return (await this.driver.runGrouped(query)) as QueryResult<R>;
  }

  // biome-ignore lint/correctness/useYield: Belay never streams a query; saying so beats a silent fallback.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new BelayError("STORE_UNSUPPORTED", "Belay's SQLite driver does not stream queries", {});
  }
}

function execute(statement: Statement, parameters: ReadonlyArray<unknown>): QueryResult<unknown> {
  if (statement.reader) return { rows: statement.all(parameters) };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return {
    numAffectedRows: changes === undefined || changes === null ? undefined : BigInt(changes),
    insertId: lastInsertRowid === undefined || lastInsertRowid === null ? undefined : BigInt(lastInsertRowid),
    rows: [],
  };
}
