import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEFAULTS } from "../../src/contract/defaults.js";
import {
  APP,
  appUrl,
  assertEnded,
  bodiesOf,
  EngineHarness,
  eventsOf,
  FROM,
  onlyRequest,
  TO,
} from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

test("Redirect asks actionUrl for the next script; commands after it are ignored", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [{ Redirect: { actionUrl: appUrl("/next") } }, { SendDigits: { digits: "1" } }],
      "/next": () => [{ SendDigits: { digits: "2" } }],
    },
  });
  const request = onlyRequest(run, "redirect");
  assert.equal(request.kind, "percl");
  assert.equal(request.url, `${APP}/next`);
  assert.deepEqual(request.body, {
    requestType: "redirect",
    accountId: h.accountId,
    callId: run.callId,
    from: FROM,
    to: TO,
    callStatus: "ringing",
    direction: "inbound",
    conferenceId: null,
    queueId: null,
    parentCallId: null,
  });
  assert.deepEqual(
    run.leg.heardDigits.map((d) => d.digits),
    ["2"],
  );
  assertEnded(run, "appHangup", "completed");
});

test("a redirect after answering reports callStatus inProgress", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [{ SendDigits: { digits: "1" } }, { Redirect: { actionUrl: appUrl("/next") } }],
      "/next": () => [{ Hangup: {} }],
    },
  });
  assert.equal(onlyRequest(run, "redirect").body.callStatus, "inProgress");
  assert.equal(onlyRequest(run, "redirect").atMs, 200);
});

test(`the ${DEFAULTS.maxRedirects + 1}th redirect ends the call with maxRedirectsError`, async () => {
  const loop = () => [{ Redirect: { actionUrl: appUrl("/loop") } }];
  const run = await h.runCall({ routes: { "/voice": loop, "/loop": loop } });
  assert.equal(DEFAULTS.maxRedirects, 256);
  assert.equal(bodiesOf(run, "redirect").length, 256, "256 redirects reach the app, the 257th does not");
  assert.match(eventsOf(run, "error")[0]?.message ?? "", /more than 256 redirects/);
  assertEnded(run, "maxRedirectsError", "failed");
});
