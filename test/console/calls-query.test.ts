import assert from "node:assert/strict";
import { test } from "node:test";
import { callsQuery, matchesFilters, NO_FILTERS, nextPagePath } from "../../src/console/web/calls-query.js";
import type { CallResult } from "../../src/console/web/types.js";

/** The Calls page's filters: the REST query it sends, and the same tests for calls the stream carries. */

const utc = (local: Date) => local.toISOString().slice(0, 19).replace("T", " ");
const call = (fields: Partial<CallResult>) => fields as CallResult;

test("the query names each filter set, and the time range in UTC with whole minutes", () => {
  assert.equal(callsQuery(NO_FILTERS, 50), "Calls?pageSize=50");
  const query = new URLSearchParams(
    callsQuery(
      {
        status: "failed",
        from: " +15550001111 ",
        to: "+15550002222",
        applicationId: `AP${"a".repeat(40)}`,
        since: "2026-12-02T11:53",
        until: "2026-12-02T12:10",
      },
      10,
    ).split("?")[1],
  );
  assert.deepEqual(Object.fromEntries(query), {
    status: "failed",
    from: "+15550001111",
    to: "+15550002222",
    applicationId: `AP${"a".repeat(40)}`,
    // The browser's local time, sent as UTC; "until" 12:10 includes 12:10:59.
    startTime: `${utc(new Date(2026, 11, 2, 11, 53, 0))}..${utc(new Date(2026, 11, 2, 12, 10, 59))}`,
    pageSize: "10",
  });
  const open = new URLSearchParams(
    callsQuery({ ...NO_FILTERS, until: "2026-12-02T12:10:30" }, 10).split("?")[1],
  );
  assert.equal(open.get("startTime"), `..${utc(new Date(2026, 11, 2, 12, 10, 30))}`);
});

test("a live call matches exactly when the server's filters would keep it", () => {
  const started = new Date(2026, 11, 2, 12, 0, 30).toUTCString();
  const live = call({
    status: "completed",
    from: "+15550001111",
    to: "+15550002222",
    applicationId: "AP1",
    startTime: started,
  });
  assert.equal(matchesFilters(live, NO_FILTERS), true);
  assert.equal(matchesFilters(live, { ...NO_FILTERS, status: "completed", from: "+15550001111" }), true);
  assert.equal(matchesFilters(live, { ...NO_FILTERS, status: "failed" }), false);
  assert.equal(matchesFilters(live, { ...NO_FILTERS, from: "+15550002222" }), false, "from is not to");
  assert.equal(matchesFilters(live, { ...NO_FILTERS, to: "+15550002222" }), true);
  assert.equal(matchesFilters(live, { ...NO_FILTERS, from: "+1555" }), false, "whole numbers only");
  assert.equal(matchesFilters(live, { ...NO_FILTERS, applicationId: "AP2" }), false);
  assert.equal(matchesFilters(live, { ...NO_FILTERS, since: "2026-12-02T12:00" }), true);
  assert.equal(matchesFilters(live, { ...NO_FILTERS, since: "2026-12-02T12:01" }), false);
  assert.equal(matchesFilters(live, { ...NO_FILTERS, until: "2026-12-02T12:00" }), true, "the whole minute");
  assert.equal(matchesFilters(live, { ...NO_FILTERS, until: "2026-12-02T11:59" }), false);
  assert.equal(
    matchesFilters(call({ ...live, startTime: null }), { ...NO_FILTERS, since: "2026-12-02T11:00" }),
    false,
    "not started: no start time to compare, as on the server",
  );
});

test("nextPageUri becomes the bridge's path", () => {
  const account = `AC${"0".repeat(40)}`;
  assert.equal(
    nextPagePath(`/Accounts/${account}/Calls?cursor=bzEw&pageSize=10`),
    "Calls?cursor=bzEw&pageSize=10",
  );
  assert.equal(nextPagePath(`/apiserver/Accounts/${account}/Calls?cursor=bzEw`), "Calls?cursor=bzEw");
  assert.equal(nextPagePath("https://elsewhere.example/Calls"), undefined);
});
