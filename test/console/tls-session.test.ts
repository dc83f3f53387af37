import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { after, before, test } from "node:test";
import { startBelay, type TestBelay, TLS_FIXTURE } from "../e2e/harness.js";

let harness: TestBelay;

before(async () => {
  harness = await startBelay({ tls: TLS_FIXTURE });
});
after(() => harness?.stop());

/** POST JSON over HTTPS, trusting only the test certificate. */
function httpsPost(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        ca: readFileSync(TLS_FIXTURE.certFile),
        headers: { "content-type": "application/json", ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, setCookie: res.headers["set-cookie"] ?? [] }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

test("over TLS the session cookie is Secure, and the console's https origin is its own", async () => {
  const { belay } = harness;
  const base = belay.publicUrl();
  assert.match(base, /^https:/);
  const credentials = { accountId: belay.account.accountId, apiKey: belay.account.apiKey };
  const signedIn = await httpsPost(`${base}/console/api/session`, credentials, { origin: base });
  assert.equal(signedIn.status, 200);
  assert.match(
    signedIn.setCookie[0] ?? "",
    /^belay_console=[^;]+; Path=\/console; .*HttpOnly; SameSite=Strict; Secure$/,
  );
  // The same host over plain http is another origin.
  const downgraded = await httpsPost(`${base}/console/api/session`, credentials, {
    origin: base.replace("https:", "http:"),
  });
  assert.equal(downgraded.status, 403);
});
