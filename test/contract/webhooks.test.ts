import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { z } from "zod";
import { newId } from "../../src/contract/ids.js";
import {
  addToConferenceNotificationWebhookSchema,
  addToQueueNotificationWebhookSchema,
  type CallWebhookFields,
  callControlWebhookSchema,
  callStatusWebhookSchema,
  conferenceRecordingStatusWebhookSchema,
  conferenceStatusWebhookSchema,
  createConferenceWebhookSchema,
  dequeueWebhookSchema,
  getDigitsWebhookSchema,
  inboundCallWebhookSchema,
  leaveConferenceWebhookSchema,
  machineDetectedWebhookSchema,
  outDialApiConnectWebhookSchema,
  outDialConnectWebhookSchema,
  outDialStartWebhookSchema,
  queueWaitWebhookSchema,
  recordWebhookSchema,
  redirectWebhookSchema,
  removeFromQueueNotificationWebhookSchema,
  serializeWebhook,
  type Webhook,
  webhookSchema,
} from "../../src/contract/webhooks.js";
import { schemaProperties, validate } from "../helpers/openapi.js";

const accountId = newId("AC");
const callId = newId("CA");
const recordingId = newId("RE");
const conferenceId = newId("CF");
const queueId = newId("QU");
const base = "https://belay.example.com/apiserver";

/** A call outside any conference or queue, not created by another call: context is all null. */
const call = {
  accountId,
  callId,
  from: "+13121000109",
  to: "+13121000096",
  callStatus: "inProgress",
  direction: "inbound",
  conferenceId: null,
  queueId: null,
  parentCallId: null,
} satisfies Omit<CallWebhookFields, "requestType">;

type Case = {
  openapi: string;
  schema: z.ZodObject;
  body: Webhook;
  /** Fields Belay sends as null where FreeClimb's OpenAPI forgot `nullable: true`. */
  nullableGaps: string[];
};

const CASES: Case[] = [
  {
    openapi: "InboundCallWebhook",
    schema: inboundCallWebhookSchema,
    body: { ...call, requestType: "inboundCall", callStatus: "ringing" },
    nullableGaps: [],
  },
  {
    openapi: "RecordWebhook",
    schema: recordWebhookSchema,
    body: {
      ...call,
      requestType: "record",
      recordingId,
      recordingUrl: `${base}/Accounts/${accountId}/Recordings/${recordingId}/Download`,
      recordingSize: "160044",
      recordingFormat: "audio/wav",
      recordingDurationSec: 10,
      termReason: "finishKey",
      privacyMode: false,
    },
    nullableGaps: ["parentCallId"],
  },
  {
    openapi: "RecordWebhook",
    schema: recordWebhookSchema,
    // autoStart with no speech before maxLengthSec: no recording was made (docs/contract.md §3)
    body: {
      ...call,
      requestType: "record",
      recordingId: null,
      recordingUrl: null,
      recordingSize: "0",
      recordingFormat: "audio/wav",
      recordingDurationSec: 0,
      termReason: "maxLength",
      privacyMode: false,
    },
    nullableGaps: ["parentCallId", "recordingId", "recordingUrl"],
  },
  {
    openapi: "GetDigitsWebhook",
    schema: getDigitsWebhookSchema,
    body: { ...call, requestType: "getDigits", digits: "1234", reason: "finishKey" },
    nullableGaps: ["conferenceId", "parentCallId"],
  },
  {
    openapi: "RedirectWebhook",
    schema: redirectWebhookSchema,
    body: { ...call, requestType: "redirect" },
    nullableGaps: ["parentCallId"],
  },
  {
    openapi: "CallStatusWebhook",
    schema: callStatusWebhookSchema,
    body: { ...call, requestType: "callStatus", callStatus: "completed", callEndedReason: "farEndHangup" },
    nullableGaps: ["conferenceId"],
  },
  {
    openapi: "OutDialApiConnectWebhook",
    schema: outDialApiConnectWebhookSchema,
    body: { ...call, requestType: "outDialApiConnect", direction: "outboundAPI" },
    nullableGaps: ["parentCallId"],
  },
  {
    openapi: "OutDialConnectWebhook",
    schema: outDialConnectWebhookSchema,
    body: {
      ...call,
      requestType: "outDialConnect",
      direction: "outboundDial",
      callId: newId("CA"),
      parentCallId: callId,
    },
    nullableGaps: [],
  },
  {
    openapi: "OutDialStartWebhook",
    schema: outDialStartWebhookSchema,
    body: { ...call, requestType: "outDialStart", dialCallId: newId("CA") },
    nullableGaps: [],
  },
  {
    openapi: "MachineDetectedWebhook",
    schema: machineDetectedWebhookSchema,
    body: {
      ...call,
      requestType: "machineDetected",
      direction: "outboundDial",
      parentCallId: newId("CA"),
      machineType: "answering machine",
    },
    nullableGaps: [],
  },
  {
    openapi: "CreateConferenceWebhook",
    schema: createConferenceWebhookSchema,
    body: { ...call, requestType: "createConference", conferenceId, status: "empty" },
    nullableGaps: [],
  },
  {
    openapi: "ConferenceStatusWebhook",
    schema: conferenceStatusWebhookSchema,
    body: { ...call, requestType: "conferenceStatus", conferenceId, status: "inProgress" },
    nullableGaps: [],
  },
  {
    openapi: "ConferenceRecordingStatusWebhook",
    schema: conferenceRecordingStatusWebhookSchema,
    // A conference ended through the REST API: no call caused it, so no call fields.
    body: {
      requestType: "conferenceRecordingStatus",
      accountId,
      conferenceId,
      status: "terminated",
      recordingId,
      recordingUrl: `${base}/Accounts/${accountId}/Recordings/${recordingId}/Download`,
      recordingSize: "160044",
      recordingFormat: "audio/wav",
      recordingDurationSec: 10,
    },
    nullableGaps: [],
  },
  {
    openapi: "AddToConferenceNotificationWebhook",
    schema: addToConferenceNotificationWebhookSchema,
    body: { ...call, requestType: "addToConferenceNotification", conferenceId, status: "inProgress" },
    nullableGaps: [],
  },
  {
    openapi: "LeaveConferenceWebhook",
    schema: leaveConferenceWebhookSchema,
    body: { ...call, requestType: "leaveConference", conferenceId },
    nullableGaps: [],
  },
  {
    openapi: "CallControlWebhook",
    schema: callControlWebhookSchema,
    body: { ...call, requestType: "callControl", conferenceId, digits: "*9" },
    nullableGaps: [],
  },
  {
    openapi: "QueueWaitWebhook",
    schema: queueWaitWebhookSchema,
    body: {
      ...call,
      requestType: "queueWait",
      queueId,
      queuePosition: "2",
      queueTime: 1200,
      currentQueueSize: 3,
    },
    nullableGaps: [],
  },
  {
    openapi: "AddToQueueNotificationWebhook",
    schema: addToQueueNotificationWebhookSchema,
    body: { ...call, requestType: "addToQueueNotification", queueId },
    nullableGaps: ["conferenceId"],
  },
  {
    openapi: "RemoveFromQueueNotificationWebhook",
    schema: removeFromQueueNotificationWebhookSchema,
    body: {
      ...call,
      requestType: "removeFromQueueNotification",
      queueId,
      queueResult: "hangup",
      queueTime: 95,
    },
    nullableGaps: [],
  },
  {
    openapi: "RemoveFromQueueNotificationWebhook",
    schema: removeFromQueueNotificationWebhookSchema,
    // Refused at the door: the call never waited.
    body: {
      ...call,
      requestType: "removeFromQueueNotification",
      queueId,
      queueResult: "queueFull",
      queueTime: 0,
    },
    nullableGaps: [],
  },
  {
    openapi: "DequeueWebhook",
    schema: dequeueWebhookSchema,
    body: { ...call, requestType: "dequeue", queueId, queueResult: "dequeued", queueTime: 1200 },
    nullableGaps: ["conferenceId"],
  },
];

/**
 * Fields in one schema and not the other. FreeClimb's CallStatusWebhook omits parentCallId, which
 * docs/contract.md lists among the fields common to every call webhook; its schema does not forbid it.
 */
const FIELD_DIFFERENCES: Record<string, { belayOnly: string[]; freeclimbOnly: string[] }> = {
  // StartRecordCall's recording fields (docs/conferences.md): FreeClimb puts them in callStatus
  // without declaring them in this schema.
  CallStatusWebhook: {
    belayOnly: [
      "parentCallId",
      "recordingDurationSec",
      "recordingFormat",
      "recordingId",
      "recordingSize",
      "recordingUrl",
    ],
    freeclimbOnly: [],
  },
  // FreeClimb declares no parentCallId on its conference webhooks (Belay sends it with every call's
  // fields), and puts recording fields on several of them "when a recording exists"; Belay sends
  // the recording in conferenceRecordingStatus only (docs/conferences.md).
  CreateConferenceWebhook: {
    belayOnly: ["parentCallId"],
    freeclimbOnly: ["recordingDurationSec", "recordingId", "recordingUrl"],
  },
  ConferenceStatusWebhook: {
    belayOnly: ["parentCallId"],
    freeclimbOnly: ["recordingDurationSec", "recordingId", "recordingUrl"],
  },
  AddToConferenceNotificationWebhook: {
    belayOnly: ["parentCallId"],
    freeclimbOnly: ["recordingDurationSec", "recordingId", "recordingUrl"],
  },
  ConferenceRecordingStatusWebhook: {
    belayOnly: ["parentCallId", "recordingFormat", "recordingSize"],
    freeclimbOnly: [],
  },
  LeaveConferenceWebhook: { belayOnly: ["parentCallId"], freeclimbOnly: [] },
  // Nor on its queue webhooks.
  QueueWaitWebhook: { belayOnly: ["parentCallId"], freeclimbOnly: [] },
  AddToQueueNotificationWebhook: { belayOnly: ["parentCallId"], freeclimbOnly: [] },
  RemoveFromQueueNotificationWebhook: { belayOnly: ["parentCallId"], freeclimbOnly: [] },
  DequeueWebhook: { belayOnly: ["parentCallId"], freeclimbOnly: [] },
  CallControlWebhook: {
    belayOnly: ["callStatus", "direction", "from", "parentCallId", "queueId", "to"],
    freeclimbOnly: [],
  },
};

function label(c: Case): string {
  const queueResult = "queueResult" in c.body ? `, ${c.body.queueResult}` : "";
  return `${c.openapi} (${c.body.requestType}${c.nullableGaps.includes("recordingId") ? ", no speech" : ""}${queueResult})`;
}

function withContext(body: Webhook): Webhook {
  return { ...body, conferenceId: newId("CF"), queueId: newId("QU"), parentCallId: newId("CA") } as Webhook;
}

describe("webhook bodies against FreeClimb's OpenAPI", () => {
  for (const c of CASES) {
    test(`${label(c)}: the sample is a valid Belay webhook`, () => {
      assert.deepEqual(c.schema.parse(c.body), c.body);
      assert.deepEqual(webhookSchema.parse(c.body), c.body);
    });

    test(`${label(c)}: serialized, it matches FreeClimb's schema except for known nullable gaps`, () => {
      const sent: unknown = JSON.parse(serializeWebhook(c.body));
      assert.deepEqual(
        validate(c.openapi, sent).sort(),
        c.nullableGaps.map((field) => `/${field} must be string`).sort(),
      );
    });

    if (c.nullableGaps.some((f) => f !== "recordingId" && f !== "recordingUrl")) {
      test(`${label(c)}: with conference, queue and parent set, it matches exactly`, () => {
        const sent: unknown = JSON.parse(serializeWebhook(withContext(c.body)));
        const recordingGaps = c.nullableGaps.filter((f) => f === "recordingId" || f === "recordingUrl");
        assert.deepEqual(
          validate(c.openapi, sent).sort(),
          recordingGaps.map((field) => `/${field} must be string`).sort(),
        );
      });
    }

    test(`${label(c)}: field names match FreeClimb's, differences listed`, () => {
      const belay = Object.keys(c.schema.shape).sort();
      const freeclimb = schemaProperties(c.openapi);
      const expected = FIELD_DIFFERENCES[c.openapi] ?? { belayOnly: [], freeclimbOnly: [] };
      assert.deepEqual(
        {
          belayOnly: belay.filter((f) => !freeclimb.includes(f)),
          freeclimbOnly: freeclimb.filter((f) => !belay.includes(f)),
        },
        expected,
      );
    });
  }

  test("FreeClimb's schema does catch a wrongly typed field", () => {
    const [, recorded] = CASES;
    assert.ok(recorded);
    const wrong = { ...withContext(recorded.body), recordingSize: 160044, recordingDurationSec: 9.5 };
    assert.deepEqual(validate("RecordWebhook", wrong), [
      "/recordingSize must be string",
      "/recordingDurationSec must be integer",
    ]);
  });
});

describe("Belay's webhook schemas", () => {
  test("reject a record webhook with a numeric recordingSize or fractional duration", () => {
    const [, recorded] = CASES;
    assert.ok(recorded);
    assert.equal(recordWebhookSchema.safeParse({ ...recorded.body, recordingSize: 160044 }).success, false);
    assert.equal(
      recordWebhookSchema.safeParse({ ...recorded.body, recordingDurationSec: 1.5 }).success,
      false,
    );
  });

  test("queue webhooks: queuePosition is a string, queueTime whole seconds, queueId set", () => {
    const wait = CASES.find((c) => c.openapi === "QueueWaitWebhook")?.body;
    assert.ok(wait);
    assert.equal(queueWaitWebhookSchema.safeParse({ ...wait, queuePosition: 2 }).success, false);
    assert.equal(queueWaitWebhookSchema.safeParse({ ...wait, queuePosition: "0" }).success, false);
    assert.equal(queueWaitWebhookSchema.safeParse({ ...wait, queueTime: 1.5 }).success, false);
    assert.equal(queueWaitWebhookSchema.safeParse({ ...wait, queueId: null }).success, false);
    assert.deepEqual(validate("QueueWaitWebhook", { ...wait, queuePosition: 2 }), [
      "/queuePosition must be string",
    ]);
  });

  test("a dequeued caller is told with dequeue, never removeFromQueueNotification", () => {
    const removed = CASES.find((c) => c.openapi === "RemoveFromQueueNotificationWebhook")?.body;
    const dequeued = CASES.find((c) => c.openapi === "DequeueWebhook")?.body;
    assert.ok(removed && dequeued);
    const schema = removeFromQueueNotificationWebhookSchema;
    assert.equal(schema.safeParse({ ...removed, queueResult: "dequeued" }).success, false);
    assert.equal(dequeueWebhookSchema.safeParse({ ...dequeued, queueResult: "hangup" }).success, false);
    assert.deepEqual(validate("RemoveFromQueueNotificationWebhook", { ...removed, queueResult: "gone" }), [
      "/queueResult must be equal to one of the allowed values",
    ]);
  });

  test("reject unexpected and missing fields (they check what Belay emits)", () => {
    const inbound = CASES[0]?.body;
    assert.ok(inbound);
    assert.equal(inboundCallWebhookSchema.safeParse({ ...inbound, extra: 1 }).success, false);
    const { queueId: _dropped, ...withoutQueue } = inbound;
    assert.equal(inboundCallWebhookSchema.safeParse(withoutQueue).success, false);
  });
});

describe("serializeWebhook", () => {
  const vector = JSON.parse(
    readFileSync(new URL("../fixtures/freeclimb/signature-test-vector.json", import.meta.url), "utf8"),
  ) as { rawBody: string };

  test("reproduces FreeClimb's signed body byte for byte, whatever the key order", () => {
    const parsed = JSON.parse(vector.rawBody) as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(parsed).reverse());
    assert.equal(serializeWebhook(parsed), vector.rawBody);
    assert.equal(serializeWebhook(reversed), vector.rawBody);
  });

  test("sorts keys at every depth, keeps explicit nulls, drops undefined", () => {
    const body = { requestType: "x", b: { z: 1, a: [{ y: 2, x: 1 }] }, a: null, gone: undefined };
    assert.equal(serializeWebhook(body), '{"a":null,"b":{"a":[{"x":1,"y":2}],"z":1},"requestType":"x"}');
  });

  test("a sample record webhook comes out compact, sorted, with nulls", () => {
    const recorded = CASES[1]?.body;
    assert.ok(recorded);
    const json = serializeWebhook(recorded);
    assert.ok(!/\s/.test(json.replace(/"[^"]*"/g, "")), "no whitespace outside strings");
    const keys = Object.keys(JSON.parse(json) as object);
    assert.deepEqual(keys, [...keys].sort());
    assert.match(json, /"conferenceId":null/);
    assert.match(json, /"recordingSize":"160044"/);
  });
});
