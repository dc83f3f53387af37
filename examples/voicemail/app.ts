/**
 * A voicemail app written the way a FreeClimb customer writes one: plain node:http and the
 * official @freeclimb/sdk PerCL builders. Nothing in it knows about Belay.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import freeclimbSDK from "@freeclimb/sdk";

export interface ReceivedWebhook {
  path: string;
  body: Record<string, unknown>;
  rawBody: string;
  signature: string | undefined;
  verified: boolean;
}

export interface VoicemailOptions {
  port?: number;
  /** The account's signing secret: requests that fail verification get 401. */
  signingSecret?: string;
  accountId?: string;
  apiKey?: string;
  greeting?: string;
}

export interface VoicemailApp {
  server: Server;
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export async function startVoicemailApp(options: VoicemailOptions = {}): Promise<VoicemailApp> {
  const sdk = freeclimbSDK(options.accountId ?? "", options.apiKey ?? "");
  const { percl } = sdk;
  // The SDK's type declarations leave out `utils`, which it exports at run time.
  const { utils } = sdk as unknown as {
    utils: { verifyRequest(body: string, header: string, secret: string): void };
  };
  const received: ReceivedWebhook[] = [];
  let base = "";

  const scripts: Record<string, () => unknown[]> = {
    "/voice": () =>
      percl.build(
        percl.say(
          options.greeting ?? "Please leave a message after the beep. Press pound when you are done.",
        ),
        percl.recordUtterance(`${base}/recorded`, {
          finishOnKey: "#",
          playBeep: true,
          maxLengthSec: 60,
          silenceTimeoutMs: 5000,
        }),
      ),
    "/recorded": () => percl.build(percl.say("Thank you. Goodbye."), percl.hangup()),
    "/status": () => [],
  };

  const server = createServer(async (request, response) => {
    const rawBody = await readBody(request);
    const signature = request.headers["freeclimb-signature"] as string | undefined;
    let verified = false;
    if (options.signingSecret) {
      try {
        utils.verifyRequest(rawBody, signature as string, options.signingSecret);
        verified = true;
      } catch {
        response.writeHead(401).end();
        return;
      }
    }
    const path = (request.url ?? "/").split("?")[0] as string;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {}
    received.push({ path, body, rawBody, signature, verified });
    const script = scripts[path];
    if (!script) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(script()));
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  base = `http://127.0.0.1:${port}`;
  return {
    server,
    url: base,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
