/**
 * better-sqlite3 behind Kysely, with each statement prepared once: Kysely prepares every query
 * afresh, and a call runs the same dozen statements, so preparing was a visible share of a call's
 * CPU. Statements are reusable as long as two are not iterated at once, which Kysely's
 * synchronous driver never does. Bounded: the SQL texts are Belay's own queries, but lists with
 * optional filters and IN lists make many variants.
 */
export function cachingStatements<Statement>(
  database: { prepare(sql: string): Statement; close(): void },
  capacity = 256,
): { prepare(sql: string): Statement; close(): void } {
  const cache = new Map<string, Statement>();
  return {
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement) {
        // Map order is insertion order: re-inserting makes it the most recently used.
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
    close() {
      cache.clear();
      database.close();
    },
  };
}
