import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { idOf } from "../api/schemas.js";
import type { Store } from "../store/types.js";
import { displayUrl } from "../webhooks/classify.js";
import type { ConsoleWebhook } from "./console-webhook.js";
import type { PerclAnswers } from "./percl-answers.js";

/**
 * The request bodies of a call's webhooks, from the delivery log: exactly what was signed and
 * sent, except privacyMode input, which the log never holds (docs/privacy.md). URLs with
 * credentials in them are shown masked. With them, the PerCL the app answered (kept in memory
 * for recent calls, privacyMode commands withheld: percl-answers.ts).
 */
export function webhookRoutes(plain: FastifyInstance, store: Store, answers: PerclAnswers): void {
  const api = plain.withTypeProvider<ZodTypeProvider>();
  api.get(
    "/console/api/calls/:callId/webhooks",
    { schema: { hide: true, params: z.object({ callId: idOf("CA") }) }, config: { public: true } },
    async (request) => {
      const rows = await store.deliveries.listByCall(request.params.callId);
      const webhooks: ConsoleWebhook[] = rows
        .filter((row) => row.accountId === request.account.accountId)
        .map((row) => ({
          requestType: row.requestType,
          url: displayUrl(row.url),
          body: parse(row.body),
          redacted: row.redacted,
          state: row.state,
          status: row.lastStatus,
          error: row.lastError,
          latencyMs: row.latencyMs,
          attempts: row.attempts,
        }));
      return { webhooks, answers: answers.of(request.account.accountId, request.params.callId) };
    },
  );
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
