/**
 * What listing call logs costs through Belay's own store, on a SQLite file holding `--entries`
 * entries (default 100 000: about 25 000 calls of four entries each, one call in five failing):
 * the first page of 100 for the account, for one call, and for PQL filters on a field, on
 * metadata, and on both. Median of `--runs` runs (default 20) each.
 *
 *   node --import tsx bench/tools/call-log-queries.ts [--entries 100000] [--runs 20]
 *
 * A diagnostic for docs/api/logs.md, not one of the benchmarks: it prints, and saves nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parsePql } from "../../src/api/log-query.js";
import { newId } from "../../src/contract/ids.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type { CallLogFilter } from "../../src/store/types.js";
import { numberOption } from "../lib/args.js";

const ENTRIES = numberOption("--entries", 100_000);
const RUNS = numberOption("--runs", 20);

const folder = await mkdtemp(path.join(tmpdir(), "belay-call-log-queries-"));
try {
  const store = await openSqliteStore(path.join(folder, "belay.db"));
  const accountId = newId("AC");
  await store.accounts.create({ accountId, apiKey: "key", signingSecret: "secret", alias: null });
  const start = Date.now() * 1000;
  let callId = "";
  const writing = performance.now();
  for (let n = 0; n < ENTRIES; n++) {
    if (n % 4 === 0) callId = newId("CA");
    const failing = n % 20 < 4;
    const webhook = n % 4 !== 3;
    await store.callLogs.create({
      accountId,
      callId,
      timestamp: start + n * 1000,
      level: failing ? "error" : "info",
      requestId: newId("RQ"),
      message: webhook
        ? "inboundCall webhook: POST http://127.0.0.1:3000/voice answered 200 in 6 ms"
        : "call ended",
      metadata: webhook
        ? {
            requestType: "inboundCall",
            url: "http://127.0.0.1:3000/voice",
            status: failing ? 500 : 200,
            latencyMs: 6,
          }
        : { callStatus: "completed", callEndedReason: failing ? "webhookFailed" : "appHangup" },
    });
  }
  const perEntryUs = ((performance.now() - writing) * 1000) / ENTRIES;
  console.log(`${ENTRIES} entries written one by one: ${perEntryUs.toFixed(1)} µs each`);

  const cases: Array<[string, CallLogFilter]> = [
    ["account, unfiltered", {}],
    ["one call (GET /Calls/{CA}/Logs)", { callId }],
    ['pql level = "error"', { where: parsePql('level = "error"') }],
    ["pql metadata.status >= 500", { where: parsePql("metadata.status >= 500") }],
    [
      'pql level = "error" AND metadata.callEndedReason = "webhookFailed"',
      { where: parsePql('level = "error" AND metadata.callEndedReason = "webhookFailed"') },
    ],
  ];
  for (const [name, filter] of cases) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      await store.callLogs.list(accountId, filter, { offset: 0, limit: 100 });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${name}: median ${times[Math.floor(times.length / 2)]?.toFixed(2)} ms (first page of 100, total counted)`,
    );
  }
  await store.close();
} finally {
  await rm(folder, { recursive: true, force: true });
}
