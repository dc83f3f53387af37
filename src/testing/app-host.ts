import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What an in-process PerCL handler is given: one webhook request as the app would receive it. */
export interface AppRequest {
  /** The request's path, e.g. `/voice` or `/recorded`, without the query. */
  path: string;
  /** The webhook's JSON body. */
  body: Record<string, unknown>;
  /** The exact bytes Belay signed. */
  rawBody: string;
  headers: IncomingMessage["headers"];
  /** Where this handler is served (`http://127.0.0.1:<port>`): build actionUrls from it. */
  baseUrl: string;
}

/**
 * An app given in-process: a function from one webhook to its PerCL answer (what it returns is
 * sent as JSON with 200; a throw is a 500), or a node:http request listener (two or more
 * parameters: `(req, res)`, an Express or Connect app).
 */
export type PerclHandler = (request: AppRequest) => unknown;
export type AppHandler = PerclHandler | RequestListener;

/**
 * Serves in-process apps on 127.0.0.1 ports the kit picks, one server per handler for the kit's
 * life: Belay reaches them through its real webhook client (signing, target policy, time limit),
 * exactly as it reaches an app anywhere else.
 */
export class AppHost {
  private readonly served = new Map<AppHandler, Promise<{ server: Server; baseUrl: string }>>();

  /** The base URL the handler is served at, starting its server the first time. */
  async baseUrlOf(handler: AppHandler): Promise<string> {
    let entry = this.served.get(handler);
    if (!entry) {
      entry = serve(handler);
      this.served.set(handler, entry);
    }
    return (await entry).baseUrl;
  }

  async close(): Promise<void> {
    const entries = await Promise.allSettled(this.served.values());
    this.served.clear();
    await Promise.all(
      entries.map((entry) => {
        if (entry.status !== "fulfilled") return undefined;
        const { server } = entry.value;
        // Belay keeps its connections to apps alive: cut them, or close() waits for their timeout.
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }
}

async function serve(handler: AppHandler): Promise<{ server: Server; baseUrl: string }> {
  let baseUrl = "";
  const listener: RequestListener =
    handler.length >= 2
      ? (handler as RequestListener)
      : perclListener(handler as PerclHandler, () => baseUrl);
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, baseUrl };
}

function perclListener(handler: PerclHandler, baseUrl: () => string): RequestListener {
  return (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      try {
        const answer = await handler({
          path: (request.url ?? "/").split("?")[0] as string,
          body: rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {},
          rawBody,
          headers: request.headers,
          baseUrl: baseUrl(),
        });
        response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(answer ?? []));
      } catch (err) {
        // The handler's failure reaches Belay as an app's would: a 500 (webhookFailed).
        response.writeHead(500, { "Content-Type": "text/plain" }).end(String(err));
      }
    });
  };
}
