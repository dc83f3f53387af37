import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { basicAuth, openApiErrors, startBelay, type TestBelay, tempDir } from "../e2e/harness.js";
import { type CliResult, describeRun, runCli } from "./run-cli.js";

/** `belay apps`, `belay numbers` and `belay accounts` as an operator runs them. */

type Credentials = { accountId: string; apiKey: string; signingSecret: string; alias: string | null };

function ok(run: CliResult): string {
  assert.equal(run.code, 0, describeRun(run));
  return run.stdout;
}

/** A refused command: exit 2 and the API's (or the CLI's) message on stderr. */
function refused(run: CliResult, message: RegExp): void {
  assert.equal(run.code, 2, describeRun(run));
  assert.match(run.stderr, message, describeRun(run));
  assert.equal(run.stdout, "");
}

describe("against a running server, with two accounts", () => {
  let harness: TestBelay;
  let second: Credentials;
  let asDefault: Record<string, string>;
  let asSecond: Record<string, string>;

  before(async () => {
    harness = await startBelay();
    const url = harness.belay.publicUrl();
    asDefault = {
      BELAY_API_URL: url,
      BELAY_ACCOUNT_ID: harness.belay.account.accountId,
      BELAY_API_KEY: harness.belay.account.apiKey,
    };
    // The server is running on this data folder while the account is created beside it.
    const created = ok(
      await runCli(["accounts", "create", "--alias", "second", "--json", "--data-dir", harness.dataDir]),
    );
    second = JSON.parse(created) as Credentials;
    asSecond = { BELAY_API_URL: url, BELAY_ACCOUNT_ID: second.accountId, BELAY_API_KEY: second.apiKey };
  });

  after(async () => {
    await harness?.stop();
  });

  test("accounts create: new credentials the running server accepts; accounts list shows no keys", async () => {
    assert.match(second.accountId, /^AC[0-9a-f]{40}$/);
    assert.match(second.apiKey, /^[0-9a-f]{40}$/);
    assert.match(second.signingSecret, /^sigsec_[0-9a-f]{40}$/);
    assert.equal(second.alias, "second");
    const account = await harness.belay.api.inject({
      url: `/apiserver/Accounts/${second.accountId}`,
      headers: { authorization: basicAuth(second.accountId, second.apiKey) },
    });
    assert.equal(account.statusCode, 200, account.body);
    assert.equal(account.json().alias, "second");

    const listed = ok(await runCli(["accounts", "list", "--data-dir", harness.dataDir]));
    assert.match(listed, new RegExp(`${second.accountId}\\s+second`));
    assert.match(listed, new RegExp(`${harness.belay.account.accountId}\\s+default`));
    assert.match(listed, /2 account\(s\)/);
    for (const secret of [second.apiKey, second.signingSecret, harness.belay.account.apiKey]) {
      assert.equal(listed.includes(secret), false, "accounts list never prints a key");
    }
  });

  test("apps: create, list, update, get, delete as the second account", async () => {
    const created = JSON.parse(
      ok(
        await runCli(
          [
            "apps",
            "create",
            "--alias",
            "ivr",
            "--voice-url",
            "http://127.0.0.1:3000/voice",
            "--status-callback-url",
            "http://127.0.0.1:3000/status",
            "--json",
          ],
          asSecond,
        ),
      ),
    ) as Record<string, string | number | null>;
    assert.deepEqual(openApiErrors("ApplicationResult", created), []);
    assert.equal(created.accountId, second.accountId);
    assert.equal(created.statusCallbackUrl, "http://127.0.0.1:3000/status");
    const id = String(created.applicationId);

    const table = ok(await runCli(["apps", "list"], asSecond));
    assert.match(table, /^APPLICATION\s+ALIAS\s+VOICE URL\s+CREATED/);
    assert.match(table, new RegExp(`${id}\\s+ivr\\s+http://127\\.0\\.0\\.1:3000/voice`));
    assert.match(table, /1 application\(s\)/);

    const updated = JSON.parse(
      ok(await runCli(["apps", "update", id, "--voice-url", "", "--alias", "renamed", "--json"], asSecond)),
    ) as Record<string, unknown>;
    assert.deepEqual([updated.voiceUrl, updated.alias, updated.revision], [null, "renamed", 2]);
    assert.equal(updated.statusCallbackUrl, "http://127.0.0.1:3000/status");

    const shown = ok(await runCli(["apps", "get", id], asSecond));
    assert.match(shown, new RegExp(`applicationId\\s+${id}`));
    assert.match(shown, /revision\s+2/);
    assert.match(shown, /voiceUrl\s+-/);

    assert.equal(ok(await runCli(["apps", "delete", id], asSecond)), `deleted ${id}\n`);
    refused(
      await runCli(["apps", "get", id], asSecond),
      new RegExp(`answered 404: application ${id} not found`),
    );
  });

  test("numbers: add, list, update, release as the second account", async () => {
    const app = JSON.parse(
      ok(await runCli(["apps", "create", "--alias", "desk-app", "--json"], asSecond)),
    ) as {
      applicationId: string;
    };
    const added = JSON.parse(
      ok(
        await runCli(
          ["numbers", "add", "+15550002222", "--app", app.applicationId, "--alias", "desk", "--json"],
          asSecond,
        ),
      ),
    ) as Record<string, unknown> & { phoneNumberId: string };
    assert.deepEqual(openApiErrors("IncomingNumberResult", added), []);
    assert.deepEqual(
      [added.phoneNumber, added.applicationId, added.alias],
      ["+15550002222", app.applicationId, "desk"],
    );
    const id = added.phoneNumberId;

    const attached = ok(await runCli(["numbers", "list", "--has-app"], asSecond));
    assert.match(attached, new RegExp(`${id}\\s+\\+15550002222\\s+desk\\s+${app.applicationId}`));
    assert.match(ok(await runCli(["numbers", "list", "--no-has-app"], asSecond)), /0 number\(s\)/);

    const detached = JSON.parse(
      ok(await runCli(["numbers", "update", id, "--no-app", "--json"], asSecond)),
    ) as Record<string, unknown>;
    assert.deepEqual([detached.applicationId, detached.alias, detached.revision], [null, "desk", 2]);
    const shown = ok(await runCli(["numbers", "get", id], asSecond));
    assert.match(shown, /capabilities\.voice\s+true/);
    assert.match(shown, /applicationId\s+-/);

    assert.equal(ok(await runCli(["numbers", "release", id], asSecond)), `released ${id}\n`);
    assert.match(ok(await runCli(["numbers", "list"], asSecond)), /0 number\(s\)/);
  });

  test("each account's data is invisible to the other; a number is in Belay once", async () => {
    const theirs = JSON.parse(
      ok(await runCli(["apps", "create", "--alias", "secret-app", "--json"], asSecond)),
    ) as {
      applicationId: string;
    };
    ok(await runCli(["numbers", "add", "+15550003333", "--app", theirs.applicationId], asSecond));

    const mine = ok(await runCli(["apps", "list"], asDefault));
    assert.equal(mine.includes(theirs.applicationId), false, mine);
    assert.equal(ok(await runCli(["numbers", "list"], asDefault)).includes("+15550003333"), false);
    refused(await runCli(["apps", "get", theirs.applicationId], asDefault), /answered 404/);
    refused(
      await runCli(["numbers", "add", "+15550004444", "--app", theirs.applicationId], asDefault),
      /answered 400: "applicationId" .* is not an application of this account/,
    );
    refused(
      await runCli(["numbers", "add", "+15550003333"], asDefault),
      /answered 409: phone number \+15550003333 is already in Belay/,
    );
  });

  test("refusals print the API's message and exit non-zero", async () => {
    refused(
      await runCli(["apps", "create", "--voice-url", "/relative"], asDefault),
      /answered 400: "voiceUrl" must be an absolute http or https URL/,
    );
    refused(
      await runCli(["numbers", "add", "5550002222"], asDefault),
      /answered 400: "phoneNumber" must be an E\.164/,
    );
    refused(
      await runCli(["apps", "get", "AP123"], asDefault),
      /answered 400: "applicationId" is not an application id/,
    );
    refused(
      await runCli(["apps", "list"], { ...asDefault, BELAY_API_KEY: "not-the-key-at-all" }),
      /answered 401: the account id or API key is wrong/,
    );
    refused(await runCli(["apps", "update", `AP${"0".repeat(40)}`], asDefault), /nothing to update/);
  });
});

describe("with no server: an in-process Belay on the data folder", () => {
  test("--account-id/--api-key pick the account; without them it is the default account", async () => {
    const folder = await tempDir("cli-apps");
    try {
      const dir = folder.dir;
      const created = ok(await runCli(["accounts", "create", "--data-dir", dir, "--alias", "B"]));
      const accountId = /account id\s+(AC[0-9a-f]{40})/.exec(created)?.[1] as string;
      const apiKey = /API key\s+([0-9a-f]{40})/.exec(created)?.[1] as string;
      assert.ok(accountId && apiKey, created);
      assert.match(created, /signing secret\s+sigsec_[0-9a-f]{40}/);
      const asB = ["--data-dir", dir, "--account-id", accountId, "--api-key", apiKey];

      const made = JSON.parse(ok(await runCli(["apps", "create", "--alias", "b-app", "--json", ...asB]))) as {
        accountId: string;
        applicationId: string;
      };
      assert.equal(made.accountId, accountId);
      assert.match(ok(await runCli(["apps", "list", ...asB])), /b-app/);
      // The folder's first account is B (accounts create made it): the default account is B too.
      ok(await runCli(["accounts", "create", "--data-dir", dir, "--alias", "C"]));
      assert.match(ok(await runCli(["apps", "list", "--data-dir", dir])), /b-app/);

      const c = JSON.parse(ok(await runCli(["accounts", "list", "--json", "--data-dir", dir]))) as Array<{
        accountId: string;
        alias: string;
      }>;
      assert.deepEqual(
        c.map((a) => a.alias),
        ["C", "B"],
      );
      refused(
        await runCli([
          "apps",
          "list",
          "--data-dir",
          dir,
          "--account-id",
          c[0]?.accountId as string,
          "--api-key",
          apiKey,
        ]),
        /answered 401/,
      );
    } finally {
      await folder.remove();
    }
  });
});
