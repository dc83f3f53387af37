/**
 * Run the call-centre example: `npx tsx examples/call-centre/main.ts` (port 3000, or PORT). AGENTS
 * lists the agents' numbers, comma-separated, in the order they are tried (default: the two
 * devices of scenario.json); POLL_MS and RING_MS tune the hunt.
 */
import { startCallCentreApp } from "./app.js";

const app = await startCallCentreApp({
  port: Number(process.env.PORT ?? 3000),
  agents: (process.env.AGENTS ?? "+15550003001,+15550003002").split(","),
  ...(process.env.POLL_MS ? { pollMs: Number(process.env.POLL_MS) } : {}),
  ...(process.env.RING_MS ? { ringMs: Number(process.env.RING_MS) } : {}),
});
process.stdout.write(`call-centre app listening on ${app.url}/voice\n`);
app.server.on("request", (request) => process.stdout.write(`${request.method} ${request.url}\n`));
