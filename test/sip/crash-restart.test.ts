import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import { responseFor, tagOf } from "../../src/legs/sip/responses.js";
import { DATABASE_FILE } from "../../src/server/belay.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type { SipDialogRow } from "../../src/store/types.js";
import { describeRun, type RunningCli, startCli } from "../cli/run-cli.js";
import { type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { until } from "../helpers/until.js";
import { PeerCall } from "./sip-call-peer.js";
import { freeUdpPort, UdpPeer } from "./udp-peer.js";

/**
 * A real `belay serve` killed with SIGKILL while a SIP caller is being recorded, then started
 * again on the same data folder and SIP port: the caller gets a BYE in its dialog from the new
 * process, and the dialog's row is gone once it is answered. (test/interop/crash-sip.interop.ts
 * does the same with sipp, both ways.)
 */

const NUMBER = "+15550002222";
let folder: { dir: string; remove(): Promise<void> };
let app: ScriptedApp;
let peer: UdpPeer;
const servers: RunningCli[] = [];

before(async () => {
  folder = await tempDir("crash-sip");
  peer = await UdpPeer.open();
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 60, silenceTimeoutMs: 60_000 } },
      ],
    }),
  });
});

after(async () => {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await Promise.allSettled(servers.map((server) => server.exited));
  await peer?.close();
  await app?.close();
  await folder?.remove();
});

function serve(sipPort: number): RunningCli {
  const server = startCli([
    "serve",
    "--data-dir",
    folder.dir,
    "--port",
    "0",
    "--sip-port",
    String(sipPort),
    "--sip-host",
    "127.0.0.1",
    "--log-level",
    "info",
  ]);
  servers.push(server);
  return server;
}

/** The dialog rows in the data folder, read with the store itself (it recovers the WAL a kill left). */
async function dialogRows(): Promise<SipDialogRow[]> {
  const store = await openSqliteStore(path.join(folder.dir, DATABASE_FILE));
  try {
    return await store.sipDialogs.list();
  } finally {
    await store.close();
  }
}

async function rest(base: string, auth: string, accountId: string, url: string, body: unknown) {
  const response = await fetch(`${base}/apiserver/Accounts/${accountId}${url}`, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

test("SIGKILL mid-recording, restart: the caller gets a BYE from the new process and the row goes", {
  timeout: 180_000,
}, async (t) => {
  const t0 = Date.now();
  const mark = (what: string) => t.diagnostic(`${what} at ${Date.now() - t0} ms`);
  const sipPort = await freeUdpPort();
  const first = serve(sipPort);
  await first.waitForStdout(/ {2}SIP {13}\S+\n/);
  const banner = first.stdout();
  mark("first serve up");
  const base = /listening on (\S+)/.exec(banner)?.[1] ?? "";
  const accountId = /account id +(\S+)/.exec(banner)?.[1] ?? "";
  const auth = `Basic ${Buffer.from(`${accountId}:${/API key +(\S+)/.exec(banner)?.[1]}`).toString("base64")}`;
  const application = await rest(base, auth, accountId, "/Applications", {
    voiceUrl: `${app.url}/voice`,
    statusCallbackUrl: `${app.url}/status`,
  });
  await rest(base, auth, accountId, "/IncomingPhoneNumbers", {
    phoneNumber: NUMBER,
    applicationId: application.applicationId,
  });

  const call = new PeerCall(peer, sipPort, NUMBER);
  call.invite();
  const ok = await peer.response(200, "INVITE");
  call.answered(ok).ack();
  const voice = await app.nextHit("/voice");
  const [row] = await until(
    async () => {
      const rows = await dialogRows();
      return rows.length > 0 ? rows : undefined;
    },
    5000,
    "the dialog's row",
  );
  assert.equal(row?.sipCallId, call.callId);
  assert.equal(row?.callId, voice.body.callId);

  mark("row written");
  first.child.kill("SIGKILL");
  const killed = await first.exited;
  assert.equal(killed.signal, "SIGKILL", describeRun(killed));
  assert.equal((await dialogRows()).length, 1, "the row outlives the process");

  const second = serve(sipPort);
  const { message: bye, from } = await peer.request("BYE", 30_000);
  mark("BYE received");
  assert.equal(from.port, sipPort);
  assert.equal(bye.headers.get("Call-ID"), call.callId);
  assert.equal(tagOf(bye.headers.get("From")), tagOf(ok.headers.get("To")), "Belay's tag");
  assert.equal(tagOf(bye.headers.get("To")), call.fromTag, "the caller's tag");
  assert.equal(bye.headers.get("CSeq"), "3 BYE", "above the INVITE's 1 and a BYE's 2");
  assert.equal(bye.uri, `sip:peer@${peer.via}`);
  assert.match(bye.headers.get("Reason") ?? "", /^SIP;cause=500/);
  peer.send(serializeSipMessage(responseFor(bye, 200)), sipPort);
  await second.waitForStdout(/"msg":"BYE for a SIP call the previous process left up: answered"/);
  mark("row deleted (log line)");
  second.child.kill("SIGTERM");
  const exit = await second.exited;
  assert.equal(exit.code, 0, describeRun(exit));
  mark("second serve exited");
  assert.deepEqual(await dialogRows(), []);
});
