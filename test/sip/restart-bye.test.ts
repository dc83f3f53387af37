import assert from "node:assert/strict";
import path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import { parseVia } from "../../src/legs/sip/message/via.js";
import { responseFor } from "../../src/legs/sip/responses.js";
import { createSdpNegotiator } from "../../src/legs/sip/sdp/negotiator.js";
import { SipService } from "../../src/legs/sip/sip-service.js";
import { type Belay, createBelay, DATABASE_FILE } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { openSqliteStore } from "../../src/store/sql/open-sqlite.js";
import type { SipDialogRow, Store } from "../../src/store/types.js";
import { RealClock } from "../../src/time/clock.js";
import { tempDir } from "../e2e/harness.js";
import { LogCapture } from "./log-capture.js";
import { freeUdpPort, UdpPeer } from "./udp-peer.js";

/**
 * A Belay started on a data folder where a previous process left SIP dialogs (it was killed with
 * calls up) sends each peer a BYE in that dialog before it takes calls, and deletes each row once
 * the BYE is answered or has timed out. The rows are written with the real store, as the killed
 * process would have left them (test/sip/crash-restart.test.ts kills a real `belay serve`).
 */

const ANSWERED_MSG = "BYE for a SIP call the previous process left up: answered";
const GIVEN_UP_MSG = "BYE for a SIP call the previous process left up: no answer, given up";

let folder: { dir: string; remove(): Promise<void> };
let peer: UdpPeer;

beforeEach(async () => {
  folder = await tempDir("restart-bye");
  peer = await UdpPeer.open();
});

afterEach(async () => {
  await peer.close();
  await folder.remove();
});

function leftDialog(sipCallId: string, extra: Partial<SipDialogRow> = {}): Omit<SipDialogRow, "dateCreated"> {
  return {
    sipCallId,
    localTag: "belay-tag",
    remoteTag: "peer-tag",
    localUri: "<sip:+15550002222@127.0.0.1:5060>;tag=belay-tag",
    remoteUri: `<sip:+15550001111@${peer.via}>;tag=peer-tag`,
    remoteTarget: `sip:peer@${peer.via}`,
    routeSet: [`<sip:127.0.0.1:${peer.port};lr>`],
    localCseq: 5,
    destinationAddress: "127.0.0.1",
    destinationPort: peer.port,
    callId: "CA00000000000000000000000000000000000000aa",
    accountId: "AC00000000000000000000000000000000000000aa",
    ...extra,
  };
}

/** Writes rows into the data folder's database and closes it, as a killed process leaves it. */
async function leave(rows: Array<Omit<SipDialogRow, "dateCreated">>): Promise<void> {
  const store = await openSqliteStore(path.join(folder.dir, DATABASE_FILE));
  for (const row of rows) await store.sipDialogs.create(row);
  await store.close();
}

async function rowsIn(store: Store): Promise<string[]> {
  return (await store.sipDialogs.list()).map((row) => row.sipCallId);
}

describe("belay restarted on a data folder with SIP dialogs left", () => {
  let belay: Belay | undefined;
  afterEach(async () => {
    await belay?.close();
    belay = undefined;
  });

  test("each peer gets a BYE in its dialog (CSeq above the saved one, Route set, Reason); answered, the row goes", async () => {
    await leave([leftDialog("left-1@peer")]);
    const sipPort = await freeUdpPort();
    const log = new LogCapture();
    belay = await createBelay(
      resolveConfig({ dataDir: folder.dir, port: 0, sipPort, sipHost: "127.0.0.1" }, {}),
      log.logger,
    );
    const { message: bye, from } = await peer.request("BYE");
    assert.equal(from.port, sipPort, "from Belay's SIP socket");
    assert.equal(bye.uri, `sip:peer@${peer.via}`, "to the remote target");
    assert.equal(bye.headers.get("Call-ID"), "left-1@peer");
    assert.equal(bye.headers.get("From"), "<sip:+15550002222@127.0.0.1:5060>;tag=belay-tag");
    assert.equal(bye.headers.get("To"), `<sip:+15550001111@${peer.via}>;tag=peer-tag`);
    assert.equal(bye.headers.get("CSeq"), "7 BYE", "saved 5, and maybe a BYE with 6 before the crash");
    assert.deepEqual(bye.headers.getAll("Route"), [`<sip:127.0.0.1:${peer.port};lr>`]);
    assert.equal(bye.headers.get("Reason"), 'SIP;cause=500;text="Belay restarted"');
    const via = parseVia(bye.headers.get("Via") as string);
    assert.equal(`${via.host}:${via.port}`, `127.0.0.1:${sipPort}`, "answers come to the new process");
    assert.deepEqual(await rowsIn(belay.store), ["left-1@peer"], "kept until the BYE is answered");
    peer.send(serializeSipMessage(responseFor(bye, 200)), sipPort);
    const line = await log.line((l) => l.msg === ANSWERED_MSG, 5000, "the BYE's log line");
    assert.equal(line.callId, "CA00000000000000000000000000000000000000aa");
    assert.equal(line.sipCallId, "left-1@peer");
    assert.equal(line.status, 200);
    await belay.sip?.dialogWrites();
    assert.deepEqual(await rowsIn(belay.store), []);
    const summary = log.lines.find(
      (l) => l.msg === "a previous Belay process left SIP calls up: sending each peer a BYE",
    );
    assert.equal(summary?.dialogs, 1);
  });

  test("with SIP off the rows stay, and a warning says why", async () => {
    await leave([leftDialog("left-2@peer")]);
    const log = new LogCapture();
    belay = await createBelay(resolveConfig({ dataDir: folder.dir, port: 0, sipPort: 0 }, {}), log.logger);
    const warning = log.lines.find((l) => /SIP is off \(--sip-port 0\): no BYE sent/.test(String(l.msg)));
    assert.ok(warning, log.lines.map((l) => l.msg).join(" | "));
    assert.equal(warning.level, 40);
    assert.deepEqual(warning.sipCallIds, ["left-2@peer"]);
    assert.deepEqual(await rowsIn(belay.store), ["left-2@peer"]);
    assert.equal(peer.log.length, 0, "nothing sent");
  });
});

describe("the BYEs a SipService sends at start", () => {
  test("retransmitted while unanswered, then given up; a 481 counts as an answer; every row goes, one line each", async () => {
    const store = await openSqliteStore(":memory:");
    await store.sipDialogs.create(leftDialog("silent@peer", { remoteTag: "silent" }));
    await store.sipDialogs.create(leftDialog("gone@peer", { remoteTag: "gone", callId: "CA-gone" }));
    const log = new LogCapture();
    const timers = { t1: 20, t2: 160, t4: 200 };
    const service = await SipService.start({
      listenHost: "127.0.0.1",
      port: 0,
      advertiseHost: "127.0.0.1",
      maxCalls: 1,
      outbound: undefined,
      clock: new RealClock(),
      logger: log.logger,
      negotiator: createSdpNegotiator(),
      // No call comes in this test: media and routing are never asked for.
      openMedia: () => Promise.reject(new Error("no media in this test")),
      inbound: { route: async () => ({ accept: false, status: 404 }) },
      timers,
      dialogs: store.sipDialogs,
    });
    try {
      const gone = await peer.next(
        (r) => r.message.kind === "request" && r.message.headers.get("Call-ID") === "gone@peer",
      );
      assert.equal(gone.message.kind, "request");
      peer.send(serializeSipMessage(responseFor(gone.message, 481)), service.address.port);
      const answered = await log.line((l) => l.msg === ANSWERED_MSG);
      assert.deepEqual([answered.callId, answered.status], ["CA-gone", 481]);
      const givenUp = await log.line((l) => l.msg === GIVEN_UP_MSG, 64 * timers.t1 + 2000);
      assert.equal(givenUp.sipCallId, "silent@peer");
      const copies = peer.log.filter(
        (r) => r.message.kind === "request" && r.message.headers.get("Call-ID") === "silent@peer",
      );
      assert.ok(copies.length >= 4, `the unanswered BYE went out ${copies.length} times`);
      const branches = new Set(copies.map((r) => r.message.headers.get("Via")));
      assert.equal(branches.size, 1, "retransmissions of one transaction");
      await service.dialogWrites();
      assert.deepEqual(await rowsIn(store), []);
      assert.equal(log.lines.filter((l) => l.msg === ANSWERED_MSG || l.msg === GIVEN_UP_MSG).length, 2);
    } finally {
      await service.close();
      await store.close();
    }
  });
});
