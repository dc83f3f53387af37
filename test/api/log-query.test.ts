import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePql } from "../../src/api/log-query.js";
import { isBelayError } from "../../src/errors.js";

/** The PQL subset docs/api/logs.md describes, parsed into the store's filter. */

test("a comparison per key kind: fields, metadata paths, strings with escapes, numbers, booleans", () => {
  assert.deepEqual(parsePql('level="warning"'), {
    kind: "field",
    field: "level",
    comparator: "=",
    value: "warning",
  });
  assert.deepEqual(parsePql("timestamp >= 1700000000000000"), {
    kind: "field",
    field: "timestamp",
    comparator: ">=",
    value: 1_700_000_000_000_000,
  });
  assert.deepEqual(parsePql('metadata.request.url != "say \\"hi\\" \\\\ there"'), {
    kind: "metadata",
    path: ["request", "url"],
    comparator: "!=",
    value: 'say "hi" \\ there',
  });
  assert.deepEqual(parsePql("metadata.ok = true"), {
    kind: "metadata",
    path: ["ok"],
    comparator: "=",
    value: true,
  });
  assert.deepEqual(parsePql("metadata.latencyMs < -1.5"), {
    kind: "metadata",
    path: ["latencyMs"],
    comparator: "<",
    value: -1.5,
  });
});

test("AND binds tighter than OR; parentheses and lower-case keywords work", () => {
  const a = { kind: "field", field: "level", comparator: "=", value: "error" } as const;
  const b = { kind: "field", field: "callId", comparator: "=", value: "CA1" } as const;
  const c = { kind: "field", field: "message", comparator: "=", value: "m" } as const;
  assert.deepEqual(parsePql('level = "error" OR callId = "CA1" AND message = "m"'), {
    kind: "or",
    left: a,
    right: { kind: "and", left: b, right: c },
  });
  assert.deepEqual(parsePql('(level = "error" or callId = "CA1") and message = "m"'), {
    kind: "and",
    left: { kind: "or", left: a, right: b },
    right: c,
  });
});

test("limits: length, nesting and comparisons are bounded with a 400", () => {
  const refused = (pql: string, says: RegExp) =>
    assert.throws(
      () => parsePql(pql),
      (err) => isBelayError(err, "INVALID_REQUEST") && says.test(err.message) && err.details.field === "pql",
    );
  refused(`${"(".repeat(17)}level = "error"${")".repeat(17)}`, /deeper than 16/);
  refused(Array.from({ length: 65 }, () => 'level = "info"').join(" OR "), /more than 64 comparisons/);
  refused("timestamp > 99999999999999999999", /too large/);
  refused("", /ends where a comparison was expected/);
  refused('level = "error")', /never opened/);
  refused('level = "error" AND', /ends where a comparison/);
  refused("metadata. = 1", /not followed by a key/);
  refused("callId = CA123", /expects a value/);
});
