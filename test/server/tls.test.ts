import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { after, before, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { authOf, startBelay, type TestBelay, TLS_FIXTURE, tempDir } from "../e2e/harness.js";

let harness: TestBelay;

before(async () => {
  harness = await startBelay({ tls: TLS_FIXTURE });
});
after(() => harness?.stop());

/** GET over HTTPS, trusting only the test certificate. */
function httpsGet(url: string, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: readFileSync(TLS_FIXTURE.certFile), headers: { authorization } },
      (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

test("with a certificate Belay serves HTTPS, and hands out https URLs", async () => {
  const { belay } = harness;
  assert.match(belay.publicUrl(), /^https:\/\/127\.0\.0\.1:\d+$/);
  const response = await httpsGet(
    `${belay.publicUrl()}/apiserver/Accounts/${belay.account.accountId}/Calls`,
    authOf(belay),
  );
  assert.equal(response.status, 200, response.body);
  assert.equal(JSON.parse(response.body).total, 0);
});

test("plain HTTP to the HTTPS port gets no API answer", async () => {
  const url = harness.belay.publicUrl().replace("https:", "http:");
  const outcome = await fetch(`${url}/healthz`).then(
    (r) => r.status,
    () => "refused",
  );
  assert.notEqual(outcome, 200);
});

test("BELAY_TLS_CERT without BELAY_TLS_KEY is a configuration error", () => {
  assert.throws(
    () => resolveConfig({}, { BELAY_TLS_CERT: TLS_FIXTURE.certFile }),
    (err) => isBelayError(err, "CONFIG_INVALID") && /set together/.test(err.message),
  );
});

test("an unreadable certificate stops Belay with the file and the reason", async () => {
  const temp = await tempDir("tls");
  try {
    const config = resolveConfig(
      {
        dataDir: temp.dir,
        port: 0,
        logLevel: "silent",
        tls: { certFile: "/nonexistent/cert.pem", keyFile: TLS_FIXTURE.keyFile },
      },
      {},
    );
    await assert.rejects(
      createBelay(config),
      (err) => isBelayError(err, "CONFIG_INVALID") && /\/nonexistent\/cert\.pem: ENOENT/.test(err.message),
    );
  } finally {
    await temp.remove();
  }
});
