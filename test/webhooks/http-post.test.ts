import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setImmediate } from "node:timers/promises";
import { postWebhook } from "../../src/webhooks/http-post.js";
import { DEFAULT_USER_AGENT } from "../../src/webhooks/user-agent.js";
import { closedPort, startApp, type TestApp } from "./helpers.js";

const DELIVERY_ID = `RQ${"3".repeat(40)}`;

function post(url: string, extra: { timeoutMs?: number; maxResponseBytes?: number } = {}) {
  return postWebhook({
    url,
    body: '{"a":1,"b":"é"}',
    signature: "t=1,v1=00",
    deliveryId: DELIVERY_ID,
    userAgent: DEFAULT_USER_AGENT,
    ...extra,
  });
}

describe("postWebhook", () => {
  let app: TestApp;
  before(async () => {
    app = await startApp((request, response) => {
      switch (request.path) {
        case "/ok":
          return { status: 200, body: '[{"Hangup":{}}]' };
        case "/hang":
          return "hang";
        case "/stalls-mid-body":
          response.writeHead(200);
          response.write("[");
          return "hang";
        case "/big-chunked":
          // No Content-Length: the cap must hold while streaming.
          response.writeHead(200);
          response.write("x".repeat(700_000));
          response.end("y".repeat(400_000));
          return "hang";
        case "/big-declared":
          return { status: 200, body: "z".repeat(1024 * 1024 + 1) };
        case "/exactly-cap":
          return { status: 200, body: "w".repeat(1024) };
        case "/redirect":
          return { status: 302, headers: { Location: "/ok" } };
        default:
          return { status: 404, body: "not here" };
      }
    });
  });
  after(() => app.close());

  test("sends the body bytes unchanged with the four Belay headers", async () => {
    const result = await post(`${app.base}/ok`);
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.equal(result.status, 200);
    assert.equal(result.bodyText, '[{"Hangup":{}}]');
    assert.ok(result.latencyMs >= 0);
    const seen = app.requests.at(-1);
    assert.ok(seen);
    assert.equal(seen.method, "POST");
    assert.equal(seen.body, '{"a":1,"b":"é"}');
    assert.equal(seen.headers["content-type"], "application/json");
    assert.equal(seen.headers["freeclimb-signature"], "t=1,v1=00");
    assert.equal(seen.headers["belay-delivery-id"], DELIVERY_ID);
    assert.match(String(seen.headers["user-agent"]), /^Belay\/\d+\.\d+\.\d+/);
    assert.equal(seen.headers["content-length"], String(Buffer.byteLength('{"a":1,"b":"é"}')));
  });

  test("a non-2xx answer is a response, not a failure", async () => {
    const result = await post(`${app.base}/missing`);
    assert.deepEqual({ ok: result.ok, status: result.status }, { ok: true, status: 404 });
  });

  test("redirects are returned as they are, not followed", async () => {
    const before = app.requests.length;
    const result = await post(`${app.base}/redirect`);
    assert.equal(result.status, 302);
    assert.equal(app.requests.length, before + 1);
  });

  test("a closed port is unreachable with its errno", async () => {
    const result = await post(`http://127.0.0.1:${await closedPort()}/voice`);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.kind, "unreachable");
    assert.equal(result.errno, "ECONNREFUSED");
    assert.equal(result.error, "connect ECONNREFUSED");
    assert.equal(result.status, null);
  });

  test("an app that never answers times out at the limit", async () => {
    const result = await post(`${app.base}/hang`, { timeoutMs: 150 });
    assert.ok(!result.ok);
    assert.equal(result.kind, "timeout");
    assert.equal(result.error, "timed out after 150 ms");
    assert.ok(result.latencyMs >= 140, `latency ${result.latencyMs}`);
  });

  test("the limit covers the response body too", async () => {
    const result = await post(`${app.base}/stalls-mid-body`, { timeoutMs: 150 });
    assert.ok(!result.ok);
    assert.equal(result.kind, "timeout");
    assert.equal(result.status, 200);
  });

  test("a body over the cap is refused, streamed or declared", async () => {
    for (const path of ["/big-chunked", "/big-declared"]) {
      const result = await post(`${app.base}${path}`);
      assert.ok(!result.ok, path);
      assert.equal(result.kind, "tooLarge", path);
      assert.equal(result.status, 200, path);
    }
    const small = await post(`${app.base}/exactly-cap`, { maxResponseBytes: 1024 });
    assert.ok(small.ok);
    assert.equal(small.bodyText.length, 1024);
    const over = await post(`${app.base}/exactly-cap`, { maxResponseBytes: 1023 });
    assert.ok(!over.ok);
    assert.equal(over.kind, "tooLarge");
  });

  test("URLs that cannot be posted to are refused before any I/O", async () => {
    for (const url of ["voice", "ftp://127.0.0.1/voice", "http://user:pw@127.0.0.1/voice"]) {
      const result = await post(url);
      assert.ok(!result.ok, url);
      assert.equal(result.kind, "invalidUrl", url);
    }
  });
});

/**
 * A raw HTTP app that answers each connection's first `answered` requests with keep-alive, then
 * drops the connection on the next one without answering, as an app does when its keep-alive
 * timer fires just as a request arrives: closing it (a FIN) or resetting it (an RST).
 */
async function droppingApp(answered: number, drop: "close" | "reset") {
  const { createServer } = await import("node:net");
  const connections: number[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const id = connections.push(0) - 1;
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      while (buffered.includes("\r\n\r\n")) {
        const headerEnd = buffered.indexOf("\r\n\r\n") + 4;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, headerEnd))?.[1] ?? 0);
        if (buffered.length < headerEnd + length) return;
        buffered = buffered.slice(headerEnd + length);
        connections[id] = (connections[id] as number) + 1;
        if ((connections[id] as number) > answered) {
          if (drop === "reset") socket.resetAndDestroy();
          else socket.destroy();
          return;
        }
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n[]");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/voice`,
    connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("postWebhook over a kept-alive connection", () => {
  for (const drop of ["close", "reset"] as const) {
    test(`reuses the app's connection, and sends again on another when the app drops it (${drop}) as it is reused`, async () => {
      const app = await droppingApp(1, drop);
      try {
        const first = await post(app.url);
        assert.deepEqual([first.ok, first.ok && first.bodyText], [true, "[]"]);
        // undici puts a connection back in its pool a turn after the response on it ended.
        await setImmediate();
        const second = await post(app.url);
        assert.deepEqual([second.ok, second.ok && second.bodyText], [true, "[]"], JSON.stringify(second));
        // The second request went out on the first connection, was dropped, and was sent again.
        assert.deepEqual(app.connections, [2, 1]);
      } finally {
        await app.close();
      }
    });
  }

  test("a fresh connection the app drops unanswered is a failure, not sent again", async () => {
    for (const drop of ["close", "reset"] as const) {
      const app = await droppingApp(0, drop);
      try {
        const result = await post(app.url);
        assert.ok(!result.ok, drop);
        assert.equal(result.kind, "unreachable", drop);
        assert.deepEqual(app.connections, [1], drop);
      } finally {
        await app.close();
      }
    }
  });
});
