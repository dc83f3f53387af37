/**
 * What the queue API tests share: requests as an account, responses checked against FreeClimb's
 * OpenAPI and Belay's strict schemas, and callers put straight into the engine's queue registry
 * (the Enqueue command is tested with the engine; these tests are about the REST API).
 */
import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { newId } from "../../src/contract/ids.js";
import {
  queueListSchema,
  queueMemberListSchema,
  queueMemberSchema,
  queueResultSchema,
} from "../../src/contract/rest.js";
import type { QueueLeave, QueueMember } from "../../src/engine/queue/queue-member.js";
import type { Belay } from "../../src/server/belay.js";
import type { AccountRow } from "../../src/store/types.js";
import type { Clock } from "../../src/time/clock.js";
import { basicAuth } from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { call, type Injected } from "./helpers.js";

export type Method = "GET" | "POST";

export interface SendOptions {
  body?: unknown;
  /** Another API instance than Belay's own. */
  on?: FastifyInstance;
  /** Another Authorization header, or null for none; the account's own credentials otherwise. */
  authorization?: string | null;
}

/** One request under /apiserver/Accounts/{account}, with the account's credentials. */
export function send(
  belay: Belay,
  account: AccountRow,
  method: Method,
  path: string,
  options: SendOptions = {},
): Promise<Injected> {
  return call(belay, method, `/apiserver/Accounts/${account.accountId}${path}`, {
    body: options.body,
    authorization:
      options.authorization === undefined
        ? basicAuth(account.accountId, account.apiKey)
        : options.authorization,
    ...(options.on ? { on: options.on } : {}),
  });
}

const STRICT: Record<string, z.ZodObject> = {
  QueueResult: queueResultSchema,
  QueueList: queueListSchema,
  QueueMember: queueMemberSchema,
  QueueMemberList: queueMemberListSchema,
};

/** Exactly FreeClimb's `schema` (its OpenAPI) and Belay's strict zod schema of the same name. */
export function checked<T = Record<string, unknown>>(schema: string, body: unknown): T {
  assert.deepEqual(validate(schema, body), [], `${schema}: ${JSON.stringify(body)}`);
  const strict = STRICT[schema];
  assert.ok(strict, `a zod schema for ${schema}`);
  strict.strict().parse(body);
  return body as T;
}

/** The body, after checking the status and its shape. */
export function valid<T = Record<string, unknown>>(response: Injected, status: number, schema: string): T {
  assert.equal(response.status, status, response.body);
  return checked<T>(schema, response.json());
}

export interface Queue {
  uri: string;
  queueId: string;
  accountId: string;
  alias: string | null;
  maxSize: number;
  currentSize: number | null;
  averageQueueRemovalTime: number;
  revision: number;
  dateCreated: string;
  dateUpdated: string;
  subresourceUris: Record<string, string>;
}

export interface Member {
  uri: string;
  callId: string;
  waitTime: number;
  position: number;
  dateEnqueued: string;
}

/** A new call at the back of the queue, on `clock`; fails the test if the queue refuses it. */
export async function enqueue(
  belay: Belay,
  account: AccountRow,
  queueId: string,
  clock: Clock,
): Promise<QueueMember> {
  const joined = await belay.engine.queues.join(account.accountId, queueId, newId("CA"), clock);
  assert.ok(joined.ok, `joined ${queueId}: ${JSON.stringify(joined)}`);
  return joined.member;
}

export const idsOf = (list: Record<string, unknown>, key: string, field: string) =>
  (list[key] as Array<Record<string, unknown>>).map((item) => item[field]);

/**
 * How the member left. A dequeue takes it out at once, so it must be out already: checked first,
 * so a member still waiting fails the test instead of hanging it.
 */
export function howLeft(member: QueueMember): Promise<QueueLeave> {
  assert.equal(member.inQueue, false, `${member.callId} has left the queue`);
  return member.left;
}
