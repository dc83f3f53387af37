import assert from "node:assert/strict";
import { rm, symlink } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { call, recordingRoutes, seedCall } from "./helpers.js";

/**
 * A failed request's log line names the path and the route, never the query: a signed link's
 * signature rides there, and so does any key a client puts there by mistake.
 */

let folder: { dir: string; remove(): Promise<void> };
let belay: Belay;
let app: ScriptedApp;
let recordingPath: string;
const lines: string[] = [];

before(async () => {
  folder = await tempDir("request-log");
  const logger = pino({ level: "trace" }, { write: (text: string) => lines.push(text) });
  belay = await createBelay(resolveConfig({ dataDir: folder.dir, port: 0, sipPort: 0 }, {}), logger);
  app = await startScriptedApp(recordingRoutes(1));
  const { recordingIds } = await seedCall(belay, app);
  const recordingId = recordingIds[0] as string;
  recordingPath = `/apiserver/Accounts/${belay.account.accountId}/Recordings/${recordingId}`;
  // A disk fault under the recording: its file becomes a symlink loop, which open() cannot follow
  // (ELOOP), so serving it fails inside Belay (500) for the owner and a signed link alike.
  const row = await belay.store.recordings.get(belay.account.accountId, recordingId);
  assert.ok(row);
  const file = path.join(folder.dir, "blobs", ...row.blobKey.split("/"));
  await rm(file);
  await symlink(file, file);
});

after(async () => {
  await app?.close();
  await belay?.close();
  await folder?.remove();
});

test("a request that fails inside Belay logs its path and route, not its query", async () => {
  const minted = await call(belay, "POST", `${recordingPath}/Links`, { body: {} });
  assert.equal(minted.status, 201, minted.body);
  const link = new URL(minted.json<{ url: string }>().url);
  const signature = link.searchParams.get("signature") as string;
  assert.match(signature, /^[0-9a-f]{64}$/);
  const linked = await call(belay, "GET", `${link.pathname}${link.search}`, { authorization: null });
  assert.equal(linked.status, 500, linked.body);

  const misplacedKey = `${belay.account.apiKey}`;
  const download = await call(belay, "GET", `${recordingPath}/Download?apiKey=${misplacedKey}`);
  assert.equal(download.status, 500, download.body);

  const failures = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === "request failed");
  assert.equal(failures.length, 2, lines.join(""));
  assert.deepEqual(
    failures.map((line) => [line.path, line.route]),
    [
      [link.pathname, "/belay/v1/recording-links/:accountId/:file"],
      [`${recordingPath}/Download`, "/apiserver/Accounts/:accountId/Recordings/:recordingId/Download"],
    ],
  );
  const everything = lines.join("");
  assert.ok(!everything.includes(signature), "the link's signature is in the log");
  assert.ok(!everything.includes(misplacedKey), "the API key is in the log");
});
