import assert from "node:assert/strict";
import { access, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type AppRequest, startBelay, type TestBelay } from "belay/testing";
import { encodeWav } from "../../src/media/wav-write.js";

/** belay/testing's options and errors: what a call takes, and how a mistake or a failing app shows. */

const hangUp = () => [{ Hangup: {} }];

let belay: TestBelay;
before(async () => {
  belay = await startBelay({ app: hangUp });
});
after(() => belay.close());

describe("options", () => {
  test("startBelay's app is used when a call names none; from and to reach the webhook", async () => {
    const call = await belay.call({ from: "+15557770001", to: "+15557770002" });
    assert.equal(call.callEndedReason, "appHangup");
    const inbound = call.webhooksOf("inboundCall")[0];
    assert.equal(inbound?.body.from, "+15557770001");
    assert.equal(inbound?.body.to, "+15557770002");
    assert.equal(new URL(inbound?.url ?? "").pathname, "/voice", "the default appPath");
  });

  test("appPath and a status path for a handler; audio as WAV bytes, from audioAt", async () => {
    const paths: string[] = [];
    const app = (request: AppRequest) => {
      paths.push(request.path);
      if (request.path !== "/in") return [];
      return [{ RecordUtterance: { actionUrl: `${request.baseUrl}/rec`, maxLengthSec: 2 } }];
    };
    const voice = new Int16Array(8000).fill(1234);
    const call = await belay.call({
      app,
      appPath: "/in",
      statusUrl: "/st",
      audio: encodeWav(voice),
      audioAt: 1,
    });
    assert.deepEqual(paths, ["/in", "/rec", "/st"]);
    const [recording] = call.recordings;
    assert.equal(recording?.termReason, "maxLength");
    assert.ok(recording);
    assert.ok(
      recording.samples.subarray(0, 8000).every((s) => s === 0),
      "silent until audioAt",
    );
    assert.ok(
      recording.samples.subarray(8000, 16000).every((s) => s === 1234),
      "then the voice",
    );
  });

  test("hangupAt and answerDelay", async () => {
    const app = () => [{ Say: { text: "Hello." } }, { Pause: { length: 60000 } }, { Say: { text: "Late." } }];
    const call = await belay.call({ app, hangupAt: 2.5, answerDelay: 0.5 });
    assert.equal(call.callEndedReason, "farEndHangup");
    assert.deepEqual(call.said(), ["Hello."]);
    const at = (type: string) => call.timeline.find((event) => event.type === type)?.at;
    assert.equal(
      call.timeline.find((event) => event.type === "status" && event.status === "inProgress")?.at,
      500,
      "connected 0.5 s after the app answered",
    );
    assert.equal(at("ended"), 3000, "hung up 2.5 s after connecting");
  });

  test("a call without app goes to its number's application, as `belay call --to` does", async () => {
    const appServer = createServer((_request, response) =>
      response.writeHead(200, { "content-type": "application/json" }).end('[{"Hangup":{}}]'),
    );
    await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
    const appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/routed`;
    try {
      const local = await startBelay();
      try {
        const rest = (route: string, body: unknown) =>
          fetch(`${local.url}/apiserver/Accounts/${local.accountId}${route}`, {
            method: "POST",
            headers: {
              authorization: `Basic ${Buffer.from(`${local.accountId}:${local.apiKey}`).toString("base64")}`,
              "content-type": "application/json",
            },
            body: JSON.stringify(body),
          }).then((r) => r.json() as Promise<Record<string, unknown>>);
        const application = await rest("/Applications", { voiceUrl: appUrl });
        await rest("/IncomingPhoneNumbers", {
          phoneNumber: "+15559990000",
          applicationId: application.applicationId,
        });
        const call = await local.call({ to: "+15559990000" });
        assert.equal(call.callEndedReason, "appHangup");
        assert.equal(call.webhooks[0]?.url, appUrl);
        await assert.rejects(local.call({ to: "+15559990001" }), {
          code: "TESTKIT_NO_ROUTE",
          message: /no number \+15559990001 in this account/,
        });
      } finally {
        await local.close();
      }
    } finally {
      appServer.close();
    }
  });
});

describe("mistakes are refused before dialling, with the option named", () => {
  for (const [options, message] of [
    [{ dtmf: "#9.5" }, /dtmf "#9.5" must look like KEYS@SECONDS/],
    [{ dtmf: { keys: "x", at: 1 } }, /dtmf\.0\.keys keys are 0-9/],
    [{ hangupAt: -1 }, /hangupAt must be a number of seconds/],
    [{ from: "5550001111" }, /from must be an E\.164 number/],
    [{ app: "ftp://example.com/voice" }, /appUrl/],
    [{ audio: "/no/such/file.wav" }, /cannot read audio \/no\/such\/file\.wav: ENOENT/],
    [{ audio: new Uint8Array([1, 2, 3]) }, /the audio bytes is not a usable WAV/],
    [{ audio: new Int16Array(8), silence: true }, /audio and silence cannot be used together/],
  ] as const) {
    test(JSON.stringify(options), async () => {
      await assert.rejects(belay.call(options as never), { name: "BelayError", message });
    });
  }
});

describe("an app that fails gives a failed result saying why", () => {
  test("app down: webhookFailed, ECONNREFUSED", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const call = await belay.call({ app: `http://127.0.0.1:${port}/voice` });
    assert.equal(call.status, "failed");
    assert.equal(call.callEndedReason, "webhookFailed");
    assert.equal(call.failed, true);
    assert.match(call.message ?? "", /ECONNREFUSED/);
    assert.equal(call.webhooks[0]?.status, null);
    assert.match(call.webhooks[0]?.error ?? "", /ECONNREFUSED/);
  });

  test("a handler that throws: its 500 fails the call", async () => {
    const call = await belay.call({
      app: () => {
        throw new Error("database unavailable");
      },
    });
    assert.equal(call.callEndedReason, "webhookFailed");
    assert.match(call.message ?? "", /answered 500/);
    assert.equal(call.webhooks[0]?.responseText, "Error: database unavailable");
  });

  test("PerCL that is not PerCL: appInvalidPercl, the answer kept", async () => {
    const call = await belay.call({ app: () => [{ Shout: { text: "hi" } }] });
    assert.equal(call.failed, true);
    assert.equal(call.callEndedReason, "appInvalidPercl");
    assert.deepEqual(call.webhooks[0]?.percl, [{ Shout: { text: "hi" } }]);
  });
});

describe("the data folder", () => {
  test("a temporary one is deleted by close(); one given is kept", async () => {
    const temporary = await startBelay();
    await temporary.close();
    await assert.rejects(access(temporary.dataDir), { code: "ENOENT" });

    const dir = await mkdtemp(path.join(tmpdir(), "belay-kit-kept-"));
    try {
      const kept = await startBelay({ dataDir: dir });
      assert.equal(kept.dataDir, dir);
      await kept.close();
      await access(path.join(dir, "belay.db"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
