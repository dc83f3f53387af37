import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, beforeEach, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { recordConnectionAttempts } from "../helpers/connection-attempts.js";
import { captureLogger, type LogLine } from "../webhooks/helpers.js";
import {
  eventOf,
  FROM,
  openApiErrors,
  placeVirtualCall,
  type ScriptedApp,
  startScriptedApp,
  TO,
  tempDir,
} from "./harness.js";

/**
 * The webhook target policy with a real Belay on an ephemeral port and a real app over HTTP: a
 * PerCL webhook or a notification aimed at Belay itself, at link-local or metadata addresses, or
 * at a range the operator denies, is refused before any connection, ends the way a failed
 * webhook does, and is logged naming the policy and the address.
 */

interface PolicyBelay {
  belay: Belay;
  port: number;
  logs: LogLine[];
  /** Requests that reached Belay's own HTTP server, as "METHOD path". */
  served: string[];
  stop(): Promise<void>;
}

async function startPolicyBelay(ranges: { webhookAllow?: string[]; webhookDeny?: string[] } = {}) {
  const temp = await tempDir("policy");
  const log = captureLogger();
  const belay = await createBelay(
    resolveConfig({ dataDir: temp.dir, port: 0, logLevel: "warn", sipPort: 0, ...ranges }, {}),
    log.logger,
  );
  await belay.listen();
  const served: string[] = [];
  belay.api.server.on("request", (request: IncomingMessage) =>
    served.push(`${request.method} ${request.url}`),
  );
  const port = Number(new URL(belay.publicUrl()).port);
  return {
    belay,
    port,
    logs: log.lines,
    served,
    async stop() {
      await belay.close();
      await temp.remove();
    },
  } satisfies PolicyBelay;
}

/** The line Belay logged about a refused webhook to `address` (or one of several a name resolves to). */
function refusalLog(logs: LogLine[], address: string | string[]): LogLine {
  const addresses = typeof address === "string" ? [address] : address;
  const line = logs.find(
    (l) => l.policy === "webhook target policy" && addresses.includes(String(l.address)),
  );
  assert.ok(line, `a log line naming the policy and ${addresses}: ${JSON.stringify(logs)}`);
  return line;
}

let app: ScriptedApp;
/** Where the next call's Redirect sends it. */
let redirectTo = "";

before(async () => {
  app = await startScriptedApp({
    "/voice": () => ({ body: [{ Redirect: { actionUrl: redirectTo } }] }),
    "/next": () => ({ body: [{ Say: { text: "Still here." } }, { Hangup: {} }] }),
    "/fallback": () => ({ body: [{ Hangup: {} }] }),
    "/status": () => ({ body: "" }),
  });
});
after(() => app?.close());

describe("the built-in policy", () => {
  let harness: PolicyBelay;
  before(async () => {
    harness = await startPolicyBelay();
  });
  after(() => harness?.stop());
  beforeEach(() => {
    harness.logs.length = 0;
  });

  function callRedirectedTo(url: string, statusUrl = `${app.url}/status`) {
    redirectTo = url;
    return placeVirtualCall(harness.belay, {
      appUrl: `${app.url}/voice`,
      statusUrl,
      from: FROM,
      to: TO,
      fast: true,
    });
  }

  test("an actionUrl at Belay's own API port, in every spelling of this host, ends with webhookFailed", async () => {
    const { accountId } = harness.belay.account;
    const path = `/apiserver/Accounts/${accountId}/Calls`;
    for (const [host, address] of [
      ["127.0.0.1", "127.0.0.1"],
      ["localhost", "127.0.0.1"],
      ["127.0.0.2", "127.0.0.2"],
      ["0.0.0.0", "0.0.0.0"],
      ["[::ffff:127.0.0.1]", "127.0.0.1"],
      ["[::1]", "::1"],
    ] as const) {
      const url = `http://${host}:${harness.port}${path}`;
      harness.logs.length = 0;
      const run = await callRedirectedTo(url);
      assert.equal(run.result.reason, "webhookFailed", host);
      assert.equal(
        run.result.message,
        `POST ${url} failed: refused by the webhook target policy: ${address}:${harness.port} is Belay's own HTTP port`,
      );
      const webhook = eventOf(run.events, "webhook", (e) => e.requestType === "redirect");
      assert.deepEqual([webhook.ok, webhook.status], [false, null]);
      const line = refusalLog(harness.logs, address);
      assert.deepEqual(
        [line.level, line.port, line.rule, line.reason, line.callId],
        [40, harness.port, "own port", "webhookFailed", run.result.callId],
      );
      assert.match(line.msg, /refused by the webhook target policy/);
      // The call's own end still reaches the app.
      await harness.belay.app.drainOutbox();
      const status = app.hits.find((h) => h.path === "/status" && h.body.callId === run.result.callId);
      assert.equal(status?.body.callEndedReason, "webhookFailed");
      assert.deepEqual(openApiErrors("CallStatusWebhook", status?.body ?? {}), []);
    }
    assert.deepEqual(
      harness.served.filter((r) => r.includes(path)),
      [],
      "no webhook reached Belay's API",
    );
  });

  test("an actionUrl at the cloud metadata address is refused without a connection attempt", async () => {
    const attempts = recordConnectionAttempts();
    try {
      const run = await callRedirectedTo("http://169.254.169.254/latest/meta-data/iam/security-credentials/");
      assert.equal(run.result.reason, "webhookFailed");
      assert.match(
        run.result.message ?? "",
        /169\.254\.169\.254 is a cloud metadata address \(built-in 169\.254\.169\.254\/32\)/,
      );
      assert.equal(refusalLog(harness.logs, "169.254.169.254").rule, "built-in 169.254.169.254/32");
      assert.deepEqual(
        attempts.seen.filter((a) => a.startsWith("169.254.")),
        [],
      );
    } finally {
      attempts.stop();
    }
  });

  test("a loopback app on another port works, by address or as localhost", async () => {
    for (const base of [app.url, app.url.replace("127.0.0.1", "localhost")]) {
      const before = app.hits.length;
      const run = await callRedirectedTo(`${base}/next`);
      assert.equal(run.result.reason, "appHangup", base);
      assert.ok(app.hits.slice(before).some((h) => h.path === "/next"));
    }
  });

  test("a status URL at Belay's own port: the notification is given up at once, not retried", async () => {
    const statusUrl = `http://localhost:${harness.port}/status`;
    const run = await callRedirectedTo(`${app.url}/next`, statusUrl);
    assert.equal(run.result.reason, "appHangup");
    await harness.belay.app.drainOutbox();
    const rows = await harness.belay.store.deliveries.listByCall(run.result.callId as string);
    const callStatus = rows.find((r) => r.requestType === "callStatus");
    assert.ok(callStatus);
    assert.deepEqual(
      [callStatus.state, callStatus.attempts, callStatus.nextAttemptAt, callStatus.lastStatus],
      ["failed", 1, null, null],
    );
    assert.match(
      callStatus.lastError ?? "",
      /refused by the webhook target policy: (127\.0\.0\.1|::1):\d+ is Belay's own HTTP port/,
    );
    const line = refusalLog(harness.logs, ["127.0.0.1", "::1"]);
    assert.equal(line.level, 50);
    assert.match(
      line.msg,
      /gave up on the callStatus webhook .* after 1 attempts \(the webhook target policy refuses it\)/,
    );
  });

  test("a refused voiceUrl still tries voiceFallbackUrl", async () => {
    const { store, account } = harness.belay;
    const application = await store.applications.create({
      applicationId: newId("AP"),
      accountId: account.accountId,
      alias: "metadata voiceUrl",
      voiceUrl: "http://169.254.169.254/voice",
      voiceFallbackUrl: `${app.url}/fallback`,
      callConnectUrl: null,
      statusCallbackUrl: `${app.url}/status`,
      smsUrl: null,
      smsFallbackUrl: null,
    });
    const number = "+15550007777";
    await store.numbers.create({
      phoneNumberId: newId("PN"),
      accountId: account.accountId,
      phoneNumber: number,
      alias: null,
      applicationId: application.applicationId,
    });
    const before = app.hits.length;
    const run = await placeVirtualCall(harness.belay, { from: FROM, to: number, fast: true });
    assert.equal(run.result.reason, "appHangup");
    await harness.belay.app.drainOutbox();
    assert.deepEqual(
      app.hits.slice(before).map((h) => h.path),
      ["/fallback", "/status"],
    );
    assert.equal(refusalLog(harness.logs, "169.254.169.254").url, "http://169.254.169.254/voice");
  });
});

describe("an operator's deny of 127.0.0.0/8 and ::1", () => {
  let harness: PolicyBelay;
  before(async () => {
    harness = await startPolicyBelay({ webhookDeny: ["127.0.0.0/8", "::1"] });
  });
  after(() => harness?.stop());

  test("refuses an app that the built-in policy allows, by address or by name", async () => {
    for (const base of [app.url, app.url.replace("127.0.0.1", "localhost")]) {
      const before = app.hits.length;
      harness.logs.length = 0;
      const run = await placeVirtualCall(harness.belay, {
        appUrl: `${base}/voice`,
        statusUrl: `${base}/status`,
        from: FROM,
        to: TO,
        fast: true,
      });
      assert.equal(run.result.reason, "webhookFailed", base);
      assert.match(
        run.result.message ?? "",
        /refused by the webhook target policy: (127\.0\.0\.1 is in --webhook-deny 127\.0\.0\.0\/8|::1 is in --webhook-deny ::1\/128)$/,
      );
      await harness.belay.app.drainOutbox();
      assert.equal(app.hits.length, before, "the app got nothing, not even callStatus");
      const line = refusalLog(harness.logs, ["127.0.0.1", "::1"]);
      assert.match(String(line.rule), /^--webhook-deny (127\.0\.0\.0\/8|::1\/128)$/);
    }
  });
});
