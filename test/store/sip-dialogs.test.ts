import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import type { SipDialogRow } from "../../src/store/types.js";
import { BACKENDS, newAccount, openTestStore, type TestStore } from "./helpers.js";

const A = newAccount(1).accountId;

function dialog(sipCallId: string, extra: Partial<SipDialogRow> = {}): Omit<SipDialogRow, "dateCreated"> {
  return {
    sipCallId,
    localTag: "belaytag",
    remoteTag: "peertag",
    localUri: "<sip:+15550002222@127.0.0.1:5060>;tag=belaytag",
    remoteUri: '"Peer" <sip:+15550001111@127.0.0.1:5080>;tag=peertag',
    remoteTarget: "sip:peer@127.0.0.1:5080;transport=udp",
    routeSet: ["<sip:127.0.0.1:5090;lr>", "<sip:proxy.example;lr>"],
    localCseq: 7,
    destinationAddress: "127.0.0.1",
    destinationPort: 5090,
    callId: "CA0000000000000000000000000000000000000001",
    accountId: A,
    ...extra,
  };
}

for (const backend of BACKENDS) {
  describe(`SIP dialogs (${backend})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(backend);
    });
    afterEach(() => t.dispose());

    test("create and list keep every field, the route set in order; oldest first", async () => {
      await t.store.sipDialogs.create(dialog("one@peer"));
      t.clock.advance(1000);
      await t.store.sipDialogs.create(dialog("two@peer", { routeSet: [], localCseq: 1 }));
      const rows = await t.store.sipDialogs.list();
      assert.deepEqual(rows, [
        { ...dialog("one@peer"), dateCreated: t.clock.time - 1000 },
        { ...dialog("two@peer", { routeSet: [], localCseq: 1 }), dateCreated: t.clock.time },
      ]);
    });

    test("delete takes the one dialog named by Call-ID and both tags", async () => {
      await t.store.sipDialogs.create(dialog("one@peer"));
      await t.store.sipDialogs.create(dialog("one@peer", { remoteTag: "forked" }));
      const key = { sipCallId: "one@peer", localTag: "belaytag", remoteTag: "peertag" };
      assert.equal(await t.store.sipDialogs.delete(key), true);
      assert.equal(await t.store.sipDialogs.delete(key), false, "already gone");
      assert.deepEqual(
        (await t.store.sipDialogs.list()).map((r) => r.remoteTag),
        ["forked"],
      );
    });

    test("the same dialog twice is a STORE_CONFLICT", async () => {
      await t.store.sipDialogs.create(dialog("one@peer"));
      await assert.rejects(t.store.sipDialogs.create(dialog("one@peer")), (err) => {
        assert.ok(isBelayError(err));
        assert.equal(err.code, "STORE_CONFLICT");
        return true;
      });
    });
  });
}
