import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import {
  parkNotificationWebhookSchema,
  parkWaitWebhookSchema,
  REQUEST_TYPES,
  serializeWebhook,
  unparkWebhookSchema,
  webhookSchema,
} from "../../src/contract/webhooks.js";
import { validate } from "../helpers/openapi.js";
import { assertParkWebhook } from "../helpers/park-webhooks.js";

const call = {
  accountId: newId("AC"),
  callId: newId("CA"),
  from: "+13121000109",
  to: "+13121000096",
  callStatus: "inProgress",
  direction: "inbound",
  conferenceId: null,
  queueId: null,
  parentCallId: null,
} as const;

const notification = { ...call, requestType: "parkNotification" } as const;
const wait = { ...call, requestType: "parkWait", parkTime: 12 } as const;
const unparked = { ...call, requestType: "unpark", parkResult: "restApi", parkTime: 40 } as const;

describe("Park's webhooks (Belay's own requestTypes)", () => {
  test("are not in FreeClimb's RequestType enum, and are in Belay's", () => {
    for (const type of ["parkNotification", "parkWait", "unpark"]) {
      assert.deepEqual(validate("RequestType", type), ["/ must be equal to one of the allowed values"]);
      assert.ok((REQUEST_TYPES as readonly string[]).includes(type));
    }
  });

  test("samples parse, and their call fields are FreeClimb's standard ones", () => {
    assert.deepEqual(parkNotificationWebhookSchema.parse(notification), notification);
    assert.deepEqual(parkWaitWebhookSchema.parse(wait), wait);
    assert.deepEqual(unparkWebhookSchema.parse(unparked), unparked);
    for (const body of [notification, wait, unparked]) {
      assertParkWebhook(JSON.parse(serializeWebhook(body)));
    }
  });

  test("a child call's park webhooks match FreeClimb's fields exactly", () => {
    const child = { ...unparked, parentCallId: newId("CA"), direction: "outboundDial" };
    assert.deepEqual(validate("RedirectWebhook", { ...child, requestType: "redirect" }), []);
    assert.deepEqual(webhookSchema.parse(child), child);
  });

  test("reject a queueId: a parked call waits in no queue", () => {
    const queued = { ...wait, queueId: newId("QU") };
    assert.equal(parkWaitWebhookSchema.safeParse(queued).success, false);
    assert.equal(
      parkNotificationWebhookSchema.safeParse({ ...notification, queueId: newId("QU") }).success,
      false,
    );
  });

  test("reject a fractional or negative parkTime, an unknown parkResult, extra or missing fields", () => {
    assert.equal(parkWaitWebhookSchema.safeParse({ ...wait, parkTime: 1.5 }).success, false);
    assert.equal(parkWaitWebhookSchema.safeParse({ ...wait, parkTime: -1 }).success, false);
    assert.equal(unparkWebhookSchema.safeParse({ ...unparked, parkResult: "dequeued" }).success, false);
    assert.equal(parkNotificationWebhookSchema.safeParse({ ...notification, parkTime: 0 }).success, false);
    const { parkTime: _dropped, ...withoutTime } = unparked;
    assert.equal(unparkWebhookSchema.safeParse(withoutTime).success, false);
  });
});
