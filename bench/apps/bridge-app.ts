/**
 * The bridge benchmark's FreeClimb app, in its own process: FreeClimb's way of connecting a caller
 * to an agent. The caller's call creates a conference (no beeps), OutDials the agent and joins the
 * conference; the agent's call joins it once answered. Counts what it receives: GET /stats.
 * Prints `listening <url>` once up.
 *
 *   node --import tsx bench/apps/bridge-app.ts --agent +15550003333
 */
import { createServer } from "node:http";
import { option } from "../lib/args.js";

const agent = option("--agent", "+15550003333");
const counts: Record<string, number> = {};
let base = "";

function perclFor(path: string, conferenceId: string, body: Record<string, unknown>): unknown[] {
  switch (path) {
    case "/voice":
      return [{ CreateConference: { actionUrl: `${base}/created`, playBeep: "never" } }];
    case "/created": {
      const id = String(body.conferenceId);
      const outDial = {
        actionUrl: `${base}/dialed?conf=${id}`,
        callConnectUrl: `${base}/agent?conf=${id}`,
        callingNumber: String(body.to),
        destination: agent,
      };
      return [{ OutDial: outDial }];
    }
    case "/dialed":
      return [{ AddToConference: { conferenceId } }];
    case "/agent":
      return body.callStatus === "inProgress" ? [{ AddToConference: { conferenceId } }] : [];
    default:
      return [];
  }
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const url = new URL(request.url ?? "/", "http://app");
    if (request.method === "GET" && url.pathname === "/stats") {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ counts, records: [] }));
      return;
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {}
    const type = String(body.requestType ?? url.pathname);
    counts[type] = (counts[type] ?? 0) + 1;
    const script = perclFor(url.pathname, url.searchParams.get("conf") ?? "", body);
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(script));
  });
});

server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  process.stdout.write(`listening ${base}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
