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

/** FreeClimb's schema for each of its own request types a parked call's tests see. */
const OPENAPI_SCHEMA: Record<string, string> = {
  inboundCall: "InboundCallWebhook",
  getDigits: "GetDigitsWebhook",
  redirect: "RedirectWebhook",
  callStatus: "CallStatusWebhook",
};

/** Fields FreeClimb's schemas forgot to make nullable, which Belay sends as null (test/e2e/harness.ts). */
const NULLABLE_GAPS = new Set(["conferenceId", "parentCallId", "recordingId", "recordingUrl"]);

/**
 * Checks every body a call emitted: Park's against Belay's schemas and FreeClimb's call fields,
 * FreeClimb's own request types against Belay's schema and FreeClimb's schema for that type.
 */
export function assertEveryWebhook(bodies: readonly Record<string, unknown>[]): void {
  for (const body of bodies) {
    const type = String(body.requestType);
    if (type === "parkNotification" || type === "parkWait" || type === "unpark") {
      assertParkWebhook(body);
      continue;
    }
    const schema = OPENAPI_SCHEMA[type];
    assert.ok(schema, `a ${type} webhook this check knows`);
    assert.deepEqual(webhookSchema.parse(body), body, `${type} matches Belay's strict schema`);
    const errors = validate(schema, body).filter((error) => {
      const field = /^\/(\w+) must be string$/.exec(error)?.[1];
      return !(field && NULLABLE_GAPS.has(field) && body[field] === null);
    });
    assert.deepEqual(errors, [], `${type} matches ${schema}: ${JSON.stringify(body)}`);
  }
}
