/**
 * Belay for the interop tests: a real server (HTTP on a free port, SIP on a free UDP port of
 * 127.0.0.1, real time), a scripted app over HTTP, and a number routed to an application whose
 * URLs point at that app, made in the store as test/e2e/inbound-routing.test.ts does.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readWav } from "../../src/media/wav-read.js";
import {
  type AppAnswer,
  type AppHit,
  authOf,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { routeNumber } from "../helpers/route-number.js";
import { freeUdpPort } from "./ports.js";
import { within } from "./process.js";

/** The Belay number the peers dial (inbound) and call from (outbound). */
export const NUMBER = "+15550002222";

export interface SipBelay {
  harness: TestBelay;
  app: ScriptedApp;
  sipPort: number;
  applicationId: string;
  /** A route's next request (counting from `from`), or a failure after `ms`. */
  webhook(path: string, ms: number, from?: number): Promise<AppHit>;
  /** Downloads a recording through its recordingUrl (Basic auth) and returns its 8 kHz samples. */
  recording(hit: AppHit): Promise<Int16Array>;
  stop(): Promise<void>;
}

export async function startSipBelay(options: {
  routes: Record<string, (hit: AppHit, base: string) => AppAnswer>;
  sipOutbound?: (sipPort: number) => string;
  /** Live SIP calls Belay takes before answering 503. */
  maxCalls?: number;
}): Promise<SipBelay> {
  const app = await startScriptedApp(options.routes);
  const sipPort = await freeUdpPort();
  let harness: TestBelay;
  try {
    harness = await startBelay({
      sipPort,
      sipHost: "127.0.0.1",
      ...(options.sipOutbound ? { sipOutbound: options.sipOutbound(sipPort) } : {}),
      ...(options.maxCalls ? { maxCalls: options.maxCalls } : {}),
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  const applicationId = await routeNumber(harness.belay, {
    phoneNumber: NUMBER,
    alias: "interop",
    voiceUrl: `${app.url}/voice`,
    callConnectUrl: `${app.url}/connect`,
    statusCallbackUrl: `${app.url}/status`,
  });
  return {
    harness,
    app,
    sipPort,
    applicationId,
    webhook(path, ms, from = 0) {
      const seen = () => app.hits.map((h) => `${h.path} ${String(h.body.requestType ?? "")}`).join(", ");
      return within(
        ms,
        () => `the ${path} webhook (the app had: ${seen() || "nothing"})`,
        app.nextHit(path, from),
      );
    },
    async recording(hit) {
      const url = hit.body.recordingUrl;
      assert.equal(typeof url, "string", `the webhook has a recordingUrl: ${hit.rawBody}`);
      const response = await fetch(url as string, { headers: { authorization: authOf(harness.belay) } });
      assert.equal(response.status, 200, `GET ${url}`);
      const wav = readWav(new Uint8Array(await response.arrayBuffer()));
      assert.deepEqual([wav.sampleRate, wav.channels, wav.bitsPerSample], [8000, 1, 16]);
      return wav.pcm8k;
    },
    async stop() {
      await app.close();
      await harness.stop();
    },
  };
}

/** Serves fixed bytes over HTTP on 127.0.0.1 (a WAV for Play). */
export async function serveFiles(
  files: Record<string, Uint8Array>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const body = files[(request.url ?? "/").split("?")[0] as string];
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "audio/wav", "content-length": body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
