import assert from "node:assert/strict";
import { webhookSchema } from "../../src/contract/webhooks.js";
import { validate } from "./openapi.js";

/** The standard call fields every webhook carries (docs/contract.md §1). */
const CALL_FIELDS = [
  "accountId",
  "callId",
  "from",
  "to",
  "callStatus",
  "direction",
  "conferenceId",
  "queueId",
  "parentCallId",
] as const;

/**
 * Checks a body Belay emitted for a Park: the strict zod schema of its requestType, and its call
 * fields against FreeClimb's standard webhook fields (RedirectWebhook's, apart from requestType:
 * FreeClimb defines no requestType for Park's webhooks). A null parentCallId is the gap FreeClimb's
 * schema is known for (it forgot `nullable`, test/contract/webhooks.test.ts).
 */
export function assertParkWebhook(body: unknown): void {
  assert.deepEqual(webhookSchema.parse(body), body, "the body matches Belay's strict schema");
  const sent = body as Record<string, unknown>;
  const fields: Record<string, unknown> = { requestType: "redirect" };
  for (const name of CALL_FIELDS) {
    assert.ok(Object.hasOwn(sent, name), `the body carries ${name}`);
    fields[name] = sent[name];
  }
  const errors = validate("RedirectWebhook", fields).filter(
    (error) => !(error === "/parentCallId must be string" && sent.parentCallId === null),
  );
  assert.deepEqual(errors, [], `the call fields match FreeClimb's: ${JSON.stringify(body)}`);
}
