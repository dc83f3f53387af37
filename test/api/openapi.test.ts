import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Ajv } from "ajv";
import { startBelay, type TestBelay } from "../e2e/harness.js";
import { get } from "./helpers.js";

/** Belay's own OpenAPI document: generated from the routes' zod schemas, public, and browsable. */

let harness: TestBelay;
let document: {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};

/** docs/contract.md §5, plus Belay's extensions: every one must be described. */
const EXPECTED: Array<[string, string]> = [
  ["get", "/apiserver/Accounts/{accountId}"],
  ["get", "/apiserver/Accounts/{accountId}/Applications"],
  ["post", "/apiserver/Accounts/{accountId}/Applications"],
  ["get", "/apiserver/Accounts/{accountId}/Applications/{applicationId}"],
  ["post", "/apiserver/Accounts/{accountId}/Applications/{applicationId}"],
  ["delete", "/apiserver/Accounts/{accountId}/Applications/{applicationId}"],
  ["get", "/apiserver/Accounts/{accountId}/IncomingPhoneNumbers"],
  ["post", "/apiserver/Accounts/{accountId}/IncomingPhoneNumbers"],
  ["get", "/apiserver/Accounts/{accountId}/IncomingPhoneNumbers/{phoneNumberId}"],
  ["post", "/apiserver/Accounts/{accountId}/IncomingPhoneNumbers/{phoneNumberId}"],
  ["delete", "/apiserver/Accounts/{accountId}/IncomingPhoneNumbers/{phoneNumberId}"],
  ["get", "/apiserver/Accounts/{accountId}/Calls"],
  ["post", "/apiserver/Accounts/{accountId}/Calls"],
  ["get", "/apiserver/Accounts/{accountId}/Calls/{callId}"],
  ["post", "/apiserver/Accounts/{accountId}/Calls/{callId}"],
  ["get", "/apiserver/Accounts/{accountId}/Calls/{callId}/Recordings"],
  ["get", "/apiserver/Accounts/{accountId}/Recordings"],
  ["get", "/apiserver/Accounts/{accountId}/Recordings/{recordingId}"],
  ["delete", "/apiserver/Accounts/{accountId}/Recordings/{recordingId}"],
  ["get", "/apiserver/Accounts/{accountId}/Recordings/{recordingId}/Download"],
  ["get", "/apiserver/Accounts/{accountId}/Recordings/{recordingId}/Stream"],
  ["post", "/apiserver/Accounts/{accountId}/Recordings/{recordingId}/Links"],
  ["post", "/apiserver/Accounts/{accountId}/Conferences"],
  ["get", "/apiserver/Accounts/{accountId}/Conferences"],
  ["get", "/apiserver/Accounts/{accountId}/Conferences/{conferenceId}"],
  ["post", "/apiserver/Accounts/{accountId}/Conferences/{conferenceId}"],
  ["get", "/apiserver/Accounts/{accountId}/Conferences/{conferenceId}/Participants"],
  ["get", "/apiserver/Accounts/{accountId}/Conferences/{conferenceId}/Participants/{callId}"],
  ["post", "/apiserver/Accounts/{accountId}/Conferences/{conferenceId}/Participants/{callId}"],
  ["delete", "/apiserver/Accounts/{accountId}/Conferences/{conferenceId}/Participants/{callId}"],
  ["get", "/apiserver/Accounts/{accountId}/Conferences/{conferenceId}/Recordings"],
  ["post", "/apiserver/Accounts/{accountId}/Queues"],
  ["get", "/apiserver/Accounts/{accountId}/Queues"],
  ["get", "/apiserver/Accounts/{accountId}/Queues/{queueId}"],
  ["post", "/apiserver/Accounts/{accountId}/Queues/{queueId}"],
  ["get", "/apiserver/Accounts/{accountId}/Queues/{queueId}/Members"],
  ["get", "/apiserver/Accounts/{accountId}/Queues/{queueId}/Members/Front"],
  ["post", "/apiserver/Accounts/{accountId}/Queues/{queueId}/Members/Front"],
  ["get", "/apiserver/Accounts/{accountId}/Queues/{queueId}/Members/{callId}"],
  ["post", "/apiserver/Accounts/{accountId}/Queues/{queueId}/Members/{callId}"],
  ["post", "/belay/v1/virtual-calls"],
  ["get", "/belay/v1/devices"],
  ["post", "/belay/v1/devices"],
  ["post", "/belay/v1/devices/{phoneNumber}"],
];

before(async () => {
  harness = await startBelay({ listen: false });
  const response = await get(harness.belay, "/apiserver/openapi.json", null);
  assert.equal(response.status, 200, "served without credentials");
  document = response.json();
});
after(() => harness?.stop());

test("describes every endpoint of docs/contract.md §5 and Belay's extensions", () => {
  assert.match(document.openapi, /^3\./);
  const missing = EXPECTED.filter(([method, path]) => !document.paths[path]?.[method]).map((e) =>
    e.join(" "),
  );
  assert.deepEqual(missing, []);
});

test("every JSON response schema in it compiles as JSON Schema", () => {
  const ajv = new Ajv({ strict: false });
  let count = 0;
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses)) {
        const schema = response.content?.["application/json"]?.schema;
        if (!schema) continue;
        ajv.compile(schema);
        count++;
      }
    }
  }
  assert.ok(count > EXPECTED.length, `${count} response schemas`);
});

test("/docs serves Swagger UI, which loads the same document from /docs/json", async () => {
  const page = await get(harness.belay, "/docs/", null);
  assert.equal(page.status, 200);
  assert.match(page.body, /swagger-ui/);
  const initializer = await get(harness.belay, "/docs/static/swagger-initializer.js", null);
  assert.equal(initializer.status, 200);
  assert.match(initializer.body, /resolveUrl\('\.\/json'\)/);
  const json = await get(harness.belay, "/docs/json", null);
  assert.deepEqual(json.json(), document);
});

test("the document describes no route as open: Basic auth applies to all", () => {
  const raw = JSON.stringify(document);
  assert.match(raw, /"basicAuth"/);
});
