/**
 * The API tests talk to `belay.api` with Fastify's inject() (no socket on Belay's side). Calls that
 * seed data run through the engine against a scripted app over real HTTP, as any call does.
 */
import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { directRouting } from "../../src/calls/inbound-route.js";
import { runVirtualCall } from "../../src/calls/virtual-call.js";
import type { Belay } from "../../src/server/belay.js";
import { authOf, FROM, type ScriptedApp, TO } from "../e2e/harness.js";

export interface Injected {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  rawPayload: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export async function get(belay: Belay, url: string, authorization?: string | null): Promise<Injected> {
  return call(belay, "GET", url, { authorization });
}

/** Any method, with a JSON body when given; the account's own credentials unless told otherwise. */
export async function call(
  belay: Belay,
  method: "GET" | "POST" | "DELETE" | "PUT" | "PATCH",
  url: string,
  options: {
    body?: unknown;
    authorization?: string | null | undefined;
    headers?: Record<string, string>;
    /** Another API instance than Belay's own. */
    on?: FastifyInstance;
  } = {},
): Promise<Injected> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.authorization === undefined ? authOf(belay) : options.authorization;
  if (auth !== null) headers.authorization = auth;
  const response = await (options.on ?? belay.api).inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
    rawPayload: response.rawPayload,
    json: <T>() => response.json() as T,
  };
}

/** Asserts FreeClimb's error body `{code, message, url, details}` and returns it. */
export function assertApiError(
  response: Injected,
  status: number,
  expected: { code?: number; messageMatches?: RegExp; url?: string } = {},
): { code: number; message: string; url: string; details: Record<string, unknown> } {
  assert.equal(response.status, status, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  const body = response.json<{
    code: number;
    message: string;
    url: string;
    details: Record<string, unknown>;
  }>();
  assert.deepEqual(Object.keys(body).sort(), ["code", "details", "message", "url"]);
  assert.equal(typeof body.code, "number");
  assert.equal(typeof body.message, "string");
  assert.ok(body.message.length > 0);
  assert.equal(typeof body.details, "object");
  if (expected.code !== undefined) assert.equal(body.code, expected.code);
  if (expected.messageMatches) assert.match(body.message, expected.messageMatches);
  if (expected.url !== undefined) assert.equal(body.url, expected.url);
  return body;
}

/** Runs one call (on simulated time unless `fast` is false) and returns its id and recordings. */
export async function seedCall(
  belay: Belay,
  app: ScriptedApp,
  options: { fast?: boolean; dtmf?: Array<{ keys: string; atMs: number }>; hangupAtMs?: number } = {},
): Promise<{ callId: string; recordingIds: string[]; reason: string }> {
  const recordingIds: string[] = [];
  const { outcome } = await runVirtualCall(
    belay.engine,
    {
      routing: directRouting(belay.account.accountId, `${app.url}/voice`, `${app.url}/status`),
      from: FROM,
      to: TO,
      fast: options.fast ?? true,
      script: {
        ...(options.dtmf ? { dtmf: options.dtmf } : {}),
        ...(options.hangupAtMs !== undefined ? { hangupAtMs: options.hangupAtMs } : {}),
      },
    },
    (event) => {
      if (event.type === "recording" && event.recordingId) recordingIds.push(event.recordingId);
    },
  );
  return { callId: outcome.callId, recordingIds, reason: outcome.reason };
}

/** PerCL that records `count` short silent messages (timeout after 200 ms each), then hangs up. */
export function recordingRoutes(count: number, attrs: Record<string, unknown> = {}) {
  let made = 0;
  const record = (base: string) => [
    { RecordUtterance: { actionUrl: `${base}/recorded`, silenceTimeoutMs: 200, ...attrs } },
  ];
  return {
    "/voice": (_hit: unknown, base: string) => {
      made = 0;
      return { body: record(base) };
    },
    "/recorded": (_hit: unknown, base: string) => ({
      body: ++made < count ? record(base) : [{ Hangup: {} }],
    }),
  };
}
