/**
 * Run the support-queue example: `npx tsx examples/support-queue/main.ts` (port 3000, or PORT).
 * It creates its queue through the REST API at API_URL (default Belay's on this machine) with
 * ACCOUNT_ID and API_KEY; AGENT_LINE is the number agents call (default scenario.json's).
 */
import { startSupportQueueApp } from "./app.js";
import { holdMusicWav } from "./hold-music.js";

const { ACCOUNT_ID, API_KEY } = process.env;
if (!ACCOUNT_ID || !API_KEY) {
  process.stderr.write("set ACCOUNT_ID and API_KEY (`npx belay accounts` lists them)\n");
  process.exit(2);
}
const app = await startSupportQueueApp({
  port: Number(process.env.PORT ?? 3000),
  apiUrl: process.env.API_URL ?? "http://127.0.0.1:8080/apiserver",
  accountId: ACCOUNT_ID,
  apiKey: API_KEY,
  agentLine: process.env.AGENT_LINE ?? "+15550004999",
  holdMusic: holdMusicWav(),
  record: process.env.RECORD !== "0",
});
process.stdout.write(`support-queue app listening on ${app.url}/voice (queue ${app.queueId})\n`);
app.server.on("request", (request) => process.stdout.write(`${request.method} ${request.url}\n`));
