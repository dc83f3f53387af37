import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { z } from "zod";
import { newId } from "../../src/contract/ids.js";
import {
  accountResultSchema,
  apiErrorBodySchema,
  applicationListSchema,
  applicationResultSchema,
  callListSchema,
  callResultSchema,
  incomingNumberListSchema,
  incomingNumberResultSchema,
  parseRfc1123,
  queueListSchema,
  queueMemberListSchema,
  queueMemberSchema,
  queueResultSchema,
  recordingListSchema,
  recordingResultSchema,
  rfc1123,
} from "../../src/contract/rest.js";
import { schemaProperties, validate } from "../helpers/openapi.js";

describe("RFC 1123 dates", () => {
  const sample = Date.UTC(2009, 5, 15, 20, 45, 30);

  test("formats FreeClimb's example", () => {
    assert.equal(rfc1123(sample), "Mon, 15 Jun 2009 20:45:30 GMT");
    assert.equal(rfc1123(Date.UTC(2024, 1, 3, 4, 5, 6, 789)), "Sat, 03 Feb 2024 04:05:06 GMT");
  });

  test("parses back to the same instant, in whole seconds", () => {
    assert.equal(parseRfc1123("Mon, 15 Jun 2009 20:45:30 GMT"), sample);
    const now = Date.now();
    assert.equal(parseRfc1123(rfc1123(now)), now - (now % 1000));
  });

  test("rejects anything that is not exactly an RFC 1123 GMT date", () => {
    for (const text of [
      "Tue, 15 Jun 2009 20:45:30 GMT",
      "Sat, 31 Feb 2009 20:45:30 GMT",
      "Mon, 15 Jun 2009 24:45:30 GMT",
      "Mon, 15 jun 2009 20:45:30 GMT",
      "Mon, 5 Jun 2009 20:45:30 GMT",
      "Mon, 15 Jun 2009 20:45:30 UTC",
      "2009-06-15T20:45:30Z",
      "",
    ]) {
      assert.equal(parseRfc1123(text), undefined, text);
    }
  });

  test("refuses to format an invalid time", () => {
    assert.throws(() => rfc1123(Number.NaN), /RFC 1123/);
  });
});

const accountId = newId("AC");
const callId = newId("CA");
const applicationId = newId("AP");
const phoneNumberId = newId("PN");
const recordingId = newId("RE");
const created = rfc1123(Date.UTC(2025, 0, 2, 9, 30, 0));
const updated = rfc1123(Date.UTC(2025, 0, 2, 9, 31, 5));
const resource = (uri: string, revision = 1) => ({
  uri,
  dateCreated: created,
  dateUpdated: updated,
  revision,
});
const page = (total: number, nextPageUri: string | null) => ({
  total,
  start: 0,
  end: total - 1,
  page: 0,
  numPages: 1,
  pageSize: 100,
  nextPageUri,
});

const recording = {
  ...resource(`/Accounts/${accountId}/Recordings/${recordingId}`),
  recordingId,
  accountId,
  callId,
  durationSec: 10,
  conferenceId: null,
};

const callResult = {
  ...resource(`/Accounts/${accountId}/Calls/${callId}`, 3),
  callId,
  parentCallId: null,
  accountId,
  from: "+13121000109",
  to: "+13121000096",
  phoneNumberId,
  status: "completed",
  callStatus: "completed",
  startTime: created,
  connectTime: created,
  endTime: updated,
  duration: 65,
  connectDuration: 64,
  direction: "inbound",
  answeredBy: null,
  subresourceUris: { recordings: `/Accounts/${accountId}/Calls/${callId}/Recordings` },
  applicationId,
};

const application = {
  ...resource(`/Accounts/${accountId}/Applications/${applicationId}`, 2),
  accountId,
  applicationId,
  alias: "voicemail",
  voiceUrl: "https://app.example.com/voice",
  voiceFallbackUrl: null,
  callConnectUrl: "https://app.example.com/connect",
  statusCallbackUrl: "https://app.example.com/status",
  smsUrl: null,
  smsFallbackUrl: null,
};

const incomingNumber = {
  ...resource(`/Accounts/${accountId}/IncomingPhoneNumbers/${phoneNumberId}`),
  capabilities: { voice: true, sms: false, tollFree: false, tenDLC: false, shortCode: false },
  campaignId: null,
  phoneNumberId,
  accountId,
  applicationId,
  phoneNumber: "+13121000096",
  alias: "main line",
  region: "IL",
  country: "US",
  voiceEnabled: true,
  smsEnabled: false,
  offnet: false,
  tfn: null,
};

const account = {
  ...resource(`/Accounts/${accountId}`),
  accountId,
  apiKey: "0123456789abcdef0123456789abcdef01234567",
  alias: "dev",
  label: null,
  type: "full",
  status: "active",
  subresourceUris: { calls: `/Accounts/${accountId}/Calls` },
};

const queueId = newId("QU");
const queue = {
  ...resource(`/Accounts/${accountId}/Queues/${queueId}`, 2),
  accountId,
  queueId,
  alias: "support",
  maxSize: 100,
  currentSize: 1,
  averageQueueRemovalTime: 42,
  subresourceUris: { members: `/Accounts/${accountId}/Queues/${queueId}/Members` },
};

const queueMember = {
  uri: `/Accounts/${accountId}/Queues/${queueId}/Members/${callId}`,
  callId,
  waitTime: 65,
  position: 1,
  dateEnqueued: created,
};

const SAMPLES: [string, z.ZodObject, unknown][] = [
  ["RecordingResult", recordingResultSchema, recording],
  ["CallResult", callResultSchema, callResult],
  ["ApplicationResult", applicationResultSchema, application],
  ["IncomingNumberResult", incomingNumberResultSchema, incomingNumber],
  ["AccountResult", accountResultSchema, account],
  ["RecordingList", recordingListSchema, { ...page(1, null), recordings: [recording] }],
  [
    "CallList",
    callListSchema,
    { ...page(1, `/Accounts/${accountId}/Calls?cursor=abc`), calls: [callResult] },
  ],
  ["ApplicationList", applicationListSchema, { ...page(1, null), applications: [application] }],
  [
    "IncomingNumberList",
    incomingNumberListSchema,
    { ...page(1, null), incomingPhoneNumbers: [incomingNumber] },
  ],
  ["QueueResult", queueResultSchema, queue],
  ["QueueList", queueListSchema, { ...page(1, null), queues: [queue] }],
  ["QueueMember", queueMemberSchema, queueMember],
  ["QueueMemberList", queueMemberListSchema, { ...page(1, null), queueMembers: [queueMember] }],
];

/** Fields Belay adds to FreeClimb's: `callStatus` for SDK 3.1.3–4.1.x (docs/api/calls-and-devices.md). */
const BELAY_ONLY: Record<string, string[]> = { CallResult: ["callStatus"] };

describe("REST shapes", () => {
  for (const [name, schema, sample] of SAMPLES) {
    test(`${name}: a sample passes Belay's schema and FreeClimb's`, () => {
      assert.deepEqual(schema.parse(sample), sample);
      assert.deepEqual(validate(name, JSON.parse(JSON.stringify(sample))), []);
    });

    test(`${name}: declares exactly FreeClimb's field names`, () => {
      const extra = BELAY_ONLY[name] ?? [];
      assert.deepEqual(Object.keys(schema.shape).sort(), [...schemaProperties(name), ...extra].sort());
    });
  }

  test("a missing field or a wrong date fails Belay's schema", () => {
    const { durationSec: _gone, ...withoutDuration } = recording;
    assert.equal(recordingResultSchema.safeParse(withoutDuration).success, false);
    assert.equal(recordingResultSchema.safeParse({ ...recording, dateCreated: "2025-01-02" }).success, false);
    assert.equal(recordingResultSchema.safeParse({ ...recording, durationSec: "10" }).success, false);
  });

  test("the error body has code, message, url, details", () => {
    const body = {
      code: 68,
      message: "Recording not found",
      url: "https://docs.freeclimb.com/reference/error-and-warning-dictionary#68",
      details: {},
    };
    assert.deepEqual(apiErrorBodySchema.parse(body), body);
    // FreeClimb's PlatformError declares `call` rather than `message` but allows extra fields.
    assert.deepEqual(validate("PlatformError", body), []);
    assert.equal(apiErrorBodySchema.safeParse({ ...body, code: "68" }).success, false);
  });
});
