/**
 * A voicemail app written the way a FreeClimb customer writes one: plain node:http and the
 * official @freeclimb/sdk PerCL builders. Nothing in it knows about Belay.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
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

export interface VoicemailHandler {
  /** The app as a node:http request listener: serve it anywhere, or hand it to belay/testing. */
  handler: RequestListener;
  received: ReceivedWebhook[];
}

/**
 * The app without a server. Its actionUrls start with `baseUrl()` when given, else with the
 * address the request came to (its Host header).
 */
export function createVoicemailHandler(
  options: VoicemailOptions = {},
  baseUrl?: () => string,
): VoicemailHandler {
  const sdk = freeclimbSDK(options.accountId ?? "", options.apiKey ?? "");
  const { percl } = sdk;
  // The SDK's type declarations leave out `utils`, which it exports at run time.
  const { utils } = sdk as unknown as {
    utils: { verifyRequest(body: string, header: string, secret: string): void };
  };
  const received: ReceivedWebhook[] = [];

  const scripts: Record<string, (base: string) => unknown[]> = {
    "/voice": (base) =>
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

  const handler: RequestListener = async (request, response) => {
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
    const base = baseUrl?.() ?? `http://${request.headers.host}`;
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(script(base)));
  };
  return { handler, received };
}

export async function startVoicemailApp(options: VoicemailOptions = {}): Promise<VoicemailApp> {
  let base = "";
  const { handler, received } = createVoicemailHandler(options, () => base);
  const server = createServer(handler);

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
