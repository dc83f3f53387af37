import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";

/**
 * Belay's RFC 4733 digits heard by a real phone: the app answers baresip's call with SendDigits,
 * and baresip must report each key, in order, once (it decodes telephone-event into DTMF events).
 */

let belay: SipBelay;
let baresip: Baresip;

before(async () => {
  belay = await startSipBelay({
    routes: {
      "/voice": () => ({
        body: [
          { Say: { text: "Sending your code." } },
          { SendDigits: { digits: "19#*", pauseMs: 200 } },
          { Hangup: {} },
        ],
      }),
    },
  });
  baresip = await startBaresip({ source: { sineHz: 440 } });
});

after(async () => {
  await baresip?.quit();
  await baresip?.remove();
  await belay?.stop();
});

test("SendDigits 19#* reaches baresip as four key presses, in order", async (t) => {
  assert.ok((await baresip.command("dial", `sip:${NUMBER}@127.0.0.1:${belay.sipPort}`)).ok);
  await baresip.nextEvent("CALL_ESTABLISHED", 10_000);
  await baresip.nextEvent("CALL_CLOSED", 20_000); // the app's Hangup after the digits
  const keys = baresip.events.filter((e) => e.type === "CALL_DTMF_START").map((e) => e.param);
  t.diagnostic(
    `baresip's DTMF events: ${baresip.events
      .filter((e) => /DTMF/.test(e.type ?? ""))
      .map((e) => `${e.type} ${e.param}`)
      .join(", ")}`,
  );
  assert.deepEqual(keys, ["1", "9", "#", "*"]);
});
