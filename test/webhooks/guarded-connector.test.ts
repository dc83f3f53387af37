import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import type { ResolvedAddress } from "../../src/webhooks/guarded-connector.js";
import { postWebhook, webhookDispatcher } from "../../src/webhooks/http-post.js";
import { WebhookTargetPolicy } from "../../src/webhooks/target-policy.js";
import { DEFAULT_USER_AGENT } from "../../src/webhooks/user-agent.js";
import { type ConnectionAttempts, recordConnectionAttempts } from "../helpers/connection-attempts.js";
import { startApp, type TestApp } from "./helpers.js";

/**
 * The webhook target policy where undici connects: the address judged is the address connected
 * to, and a refused one gets no connection attempt. Host names other than `localhost` go through
 * a stand-in resolver: DNS is outside the test, so it is mocked here.
 */

function post(url: string, dispatcher?: ReturnType<typeof webhookDispatcher>) {
  return postWebhook({
    url,
    body: "{}",
    signature: "t=1,v1=00",
    deliveryId: `RQ${"4".repeat(40)}`,
    userAgent: DEFAULT_USER_AGENT,
    timeoutMs: 2000,
    ...(dispatcher ? { dispatcher } : {}),
  });
}

/** A stand-in for DNS: answers from a table, counting the questions. */
function fakeDns(answers: Record<string, string[] | (() => string[])>) {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    asked.push(hostname);
    const entry = answers[hostname];
    const addresses = typeof entry === "function" ? entry() : entry;
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return { resolve, asked };
}

let app: TestApp;
let attempts: ConnectionAttempts;
let closeApp = false;

before(async () => {
  app = await startApp(() => ({
    status: 200,
    body: "[]",
    headers: closeApp ? { Connection: "close" } : ({} as Record<string, string>),
  }));
});
after(() => app.close());
beforeEach(() => {
  attempts = recordConnectionAttempts();
});
afterEach(() => attempts.stop());

const appPort = () => Number(new URL(app.base).port);

describe("refused targets get no connection attempt", () => {
  for (const url of [
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/computeMetadata/v1/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://0.0.0.0:8080/",
  ]) {
    test(url, async () => {
      const result = await post(url);
      assert.ok(!result.ok);
      assert.equal(result.kind, "refused");
      assert.match(result.error, /^refused by the webhook target policy: /);
      assert.ok(result.refused);
      assert.match(result.refused.rule, /^built-in /);
      assert.deepEqual(attempts.seen, [], "no connection attempt at all");
    });
  }

  test("a host name that resolves to the metadata address (mocked DNS)", async () => {
    const dns = fakeDns({ "metadata.example.test": ["169.254.169.254"] });
    const dispatcher = webhookDispatcher(new WebhookTargetPolicy(), dns.resolve);
    const result = await post("http://metadata.example.test/latest/meta-data/", dispatcher);
    assert.ok(!result.ok);
    assert.equal(result.kind, "refused");
    assert.equal(
      result.error,
      "refused by the webhook target policy: 169.254.169.254 is a cloud metadata address (built-in 169.254.169.254/32)",
    );
    assert.deepEqual(result.refused, {
      address: "169.254.169.254",
      port: 80,
      rule: "built-in 169.254.169.254/32",
    });
    assert.deepEqual(dns.asked, ["metadata.example.test"]);
    assert.deepEqual(attempts.seen, []);
    await dispatcher.close();
  });

  test("localhost (real resolution) on a port the policy knows as Belay's own", async () => {
    const policy = new WebhookTargetPolicy();
    policy.addOwnPort(appPort(), "HTTP");
    const dispatcher = webhookDispatcher(policy);
    const before = app.requests.length;
    for (const host of ["localhost", "127.0.0.1", "127.9.9.9", "[::1]", "[::ffff:127.0.0.1]"]) {
      const result = await post(`http://${host}:${appPort()}/voice`, dispatcher);
      assert.ok(!result.ok, host);
      assert.equal(result.kind, "refused", host);
      assert.match(result.error, new RegExp(`:${appPort()} is Belay's own HTTP port$`), host);
    }
    assert.equal(app.requests.length, before, "nothing reached the port");
    assert.deepEqual(attempts.seen, []);
    await dispatcher.close();
  });
});

describe("allowed targets", () => {
  test("of the addresses a name resolves to, only allowed ones are tried (mocked DNS)", async () => {
    const dns = fakeDns({ "app.example.test": ["169.254.169.254", "127.0.0.1"] });
    const dispatcher = webhookDispatcher(new WebhookTargetPolicy(), dns.resolve);
    const result = await post(`http://app.example.test:${appPort()}/voice`, dispatcher);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(app.requests.at(-1)?.headers.host, `app.example.test:${appPort()}`);
    assert.deepEqual(attempts.seen, [`127.0.0.1:${appPort()}`]);
    await dispatcher.close();
  });

  test("every allowed address is tried in turn, as after a plain lookup (mocked DNS)", async () => {
    // The app listens on 127.0.0.1 only: ::1 is refused by the system, then 127.0.0.1 answers.
    const dns = fakeDns({ "dual.example.test": ["::1", "127.0.0.1"] });
    const dispatcher = webhookDispatcher(new WebhookTargetPolicy(), dns.resolve);
    const result = await post(`http://dual.example.test:${appPort()}/voice`, dispatcher);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(attempts.seen, [`::1:${appPort()}`, `127.0.0.1:${appPort()}`]);
    await dispatcher.close();
  });

  test("each new connection is judged on its own resolution: a rebinding name is refused (mocked DNS)", async () => {
    const answers = [["127.0.0.1"], ["169.254.169.254"]];
    const dns = fakeDns({ "rebind.example.test": () => answers.shift() ?? [] });
    const dispatcher = webhookDispatcher(new WebhookTargetPolicy(), dns.resolve);
    closeApp = true; // the app closes each connection, so the second request needs a new one
    try {
      const first = await post(`http://rebind.example.test:${appPort()}/voice`, dispatcher);
      assert.ok(first.ok, JSON.stringify(first));
      const second = await post(`http://rebind.example.test:${appPort()}/voice`, dispatcher);
      assert.ok(!second.ok);
      assert.equal(second.kind, "refused");
      assert.equal(second.refused?.address, "169.254.169.254");
    } finally {
      closeApp = false;
    }
    assert.deepEqual(dns.asked, ["rebind.example.test", "rebind.example.test"]);
    assert.deepEqual(attempts.seen, [`127.0.0.1:${appPort()}`]);
    await dispatcher.close();
  });

  test("a loopback app on another port than Belay's", async () => {
    const policy = new WebhookTargetPolicy();
    policy.addOwnPort(appPort() === 65535 ? 1 : appPort() + 1, "HTTP");
    const dispatcher = webhookDispatcher(policy);
    const result = await post(`http://localhost:${appPort()}/voice`, dispatcher);
    assert.ok(result.ok, JSON.stringify(result));
    await dispatcher.close();
  });

  test("an unknown name is unreachable with the resolver's errno, not refused (mocked DNS)", async () => {
    const dns = fakeDns({});
    const dispatcher = webhookDispatcher(new WebhookTargetPolicy(), dns.resolve);
    const result = await post("http://nowhere.example.test/voice", dispatcher);
    assert.ok(!result.ok);
    assert.equal(result.kind, "unreachable");
    assert.equal(result.errno, "ENOTFOUND");
    await dispatcher.close();
  });
});
