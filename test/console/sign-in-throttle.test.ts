import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MAX_FAILURES, SignInThrottle, WINDOW_MS } from "../../src/console/sign-in-throttle.js";
import { startBelay, type TestBelay } from "../e2e/harness.js";

let belay: TestBelay;
before(async () => {
  belay = await startBelay();
});
after(() => belay?.stop());

const signIn = (apiKey: string) =>
  fetch(`${belay.belay.publicUrl()}/console/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ accountId: belay.belay.account.accountId, apiKey }),
  });

test("after too many failed sign-ins an address waits, even with the right key", async () => {
  for (let i = 0; i < MAX_FAILURES; i++) assert.equal((await signIn("guess")).status, 401);
  const refused = await signIn(belay.belay.account.apiKey);
  assert.equal(refused.status, 429);
  const wait = Number(refused.headers.get("retry-after"));
  assert.ok(wait > 0 && wait <= WINDOW_MS / 1000, `Retry-After ${wait}`);
  assert.match(((await refused.json()) as { message: string }).message, /too many failed sign-ins/);
  assert.equal(refused.headers.get("set-cookie"), null);
});

test("the window slides: failures older than it no longer count, and success clears the count", () => {
  let now = 1_000_000;
  const throttle = new SignInThrottle(() => now);
  for (let i = 0; i < MAX_FAILURES; i++) throttle.failed("192.0.2.1");
  assert.equal(throttle.waitSec("192.0.2.1"), WINDOW_MS / 1000);
  assert.equal(throttle.waitSec("192.0.2.2"), undefined, "another address is not held back");
  now += WINDOW_MS;
  assert.equal(throttle.waitSec("192.0.2.1"), undefined);
  for (let i = 0; i < MAX_FAILURES - 1; i++) throttle.failed("192.0.2.3");
  throttle.succeeded("192.0.2.3");
  throttle.failed("192.0.2.3");
  assert.equal(throttle.waitSec("192.0.2.3"), undefined);
});
