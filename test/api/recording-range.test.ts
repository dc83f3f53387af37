import assert from "node:assert/strict";
import { test } from "node:test";
import { utcDayStart } from "../../src/api/recording-query.js";
import { ifRangeHolds, resolveRange } from "../../src/api/recording-range.js";

/** The Range resolver and the dateCreated day parser on their own, including cases the API cannot reach. */

test("one range against a 1000-byte file", () => {
  const cases: Array<[string, ReturnType<typeof resolveRange>]> = [
    ["bytes=0-499", { kind: "partial", range: { start: 0, end: 499 } }],
    ["bytes=500-", { kind: "partial", range: { start: 500, end: 999 } }],
    ["bytes=-1", { kind: "partial", range: { start: 999, end: 999 } }],
    ["bytes=990-5000", { kind: "partial", range: { start: 990, end: 999 } }],
    ["BYTES=1-1", { kind: "partial", range: { start: 1, end: 1 } }],
    ["bytes=1000-", { kind: "unsatisfiable" }],
    ["bytes=1000-1000", { kind: "unsatisfiable" }],
    ["bytes=-0", { kind: "unsatisfiable" }],
    ["bytes=10-9", { kind: "whole" }],
    ["bytes=0-1,2-3", { kind: "whole" }],
    ["bytes=-", { kind: "whole" }],
    ["bytes=1.5-2", { kind: "whole" }],
    ["pages=1-2", { kind: "whole" }],
  ];
  for (const [header, expected] of cases) assert.deepEqual(resolveRange(header, 1000), expected, header);
  assert.deepEqual(resolveRange(undefined, 1000), { kind: "whole" });
  assert.deepEqual(resolveRange(["bytes=0-1", "bytes=2-3"], 1000), { kind: "whole" });
});

test("an empty file satisfies no range", () => {
  for (const header of ["bytes=0-", "bytes=0-0", "bytes=-5"]) {
    assert.deepEqual(resolveRange(header, 0), { kind: "unsatisfiable" }, header);
  }
});

test("If-Range holds only for the exact ETag, or when absent", () => {
  assert.equal(ifRangeHolds(undefined, '"x"'), true);
  assert.equal(ifRangeHolds('"x"', '"x"'), true);
  assert.equal(ifRangeHolds('W/"x"', '"x"'), false);
  assert.equal(ifRangeHolds("Tue, 01 Dec 2026 06:00:00 GMT", '"x"'), false);
});

test("dateCreated days: real days only, as UTC midnight", () => {
  assert.equal(utcDayStart("2026-02-27"), Date.UTC(2026, 1, 27));
  assert.equal(utcDayStart("2028-02-29"), Date.UTC(2028, 1, 29));
  assert.equal(utcDayStart("2000-02-29"), Date.UTC(2000, 1, 29));
  for (const bad of [
    "2026-02-29",
    "1900-02-29",
    "2026-04-31",
    "2026-00-01",
    "2026-01-00",
    "0099-01-01",
    "2026-1-1",
    " 2026-01-01",
  ]) {
    assert.equal(utcDayStart(bad), undefined, bad);
  }
});
