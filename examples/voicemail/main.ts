/**
 * Run the voicemail example: `npx tsx examples/voicemail/main.ts` (port 3000, or PORT).
 * Set BELAY_SIGNING_SECRET to have it verify every webhook's FreeClimb-Signature.
 */
import { startVoicemailApp } from "./app.js";

const app = await startVoicemailApp({
  port: Number(process.env.PORT ?? 3000),
  ...(process.env.BELAY_SIGNING_SECRET ? { signingSecret: process.env.BELAY_SIGNING_SECRET } : {}),
});
process.stdout.write(`voicemail app listening on ${app.url}/voice\n`);
app.server.on("request", (request) => process.stdout.write(`${request.method} ${request.url}\n`));
