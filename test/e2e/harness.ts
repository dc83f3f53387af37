/**
 * Shared by the e2e, API and CLI tests: a Belay in a temporary data folder, a scriptable app over
 * real HTTP on 127.0.0.1, NDJSON reading, and OpenAPI validation that tolerates exactly the
 * nullable gaps in FreeClimb's schema (see NULLABLE_GAPS).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ScenarioLine } from "../../src/api/routes/scenarios.js";
import type { ScenarioCallResult, ScenarioEvent } from "../../src/calls/scenario.js";
import { newApiKey, newId, newSigningSecret } from "../../src/contract/ids.js";
import type { TimelineEvent } from "../../src/engine/timeline.js";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { type BelayConfig, resolveConfig } from "../../src/server/config.js";
import type { AccountRow } from "../../src/store/types.js";
import { validate } from "../helpers/openapi.js";

export const FROM = "+15550001111";
export const TO = "+15550002222";

export async function tempDir(label: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `belay-${label}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestBelay {
  belay: Belay;
  dataDir: string;
  /** Closes Belay and deletes its data folder. */
  stop(): Promise<void>;
}

/** A Belay on a fresh data folder; `listen` puts it on a real port (the API tests use inject()). */
export async function startBelay(
  options: Partial<Omit<BelayConfig, "credentials">> & { listen?: boolean } = {},
): Promise<TestBelay> {
  const { listen = true, ...overrides } = options;
  const temp = await tempDir("data");
  // An empty environment: BELAY_* variables of whoever runs the tests must not leak in. SIP is off
  // (sipPort 0) unless a test gives it a port: tests never bind 5060.
  const belay = await createBelay(
    resolveConfig({ dataDir: temp.dir, port: 0, logLevel: "silent", sipPort: 0, ...overrides }, {}),
  );
  if (listen) await belay.listen();
  return {
    belay,
    dataDir: temp.dir,
    async stop() {
      await belay.close();
      await temp.remove();
    },
  };
}

/** A second (third…) account in the same Belay, with fresh credentials. */
export function createAccount(belay: Belay, alias: string): Promise<AccountRow> {
  return belay.store.accounts.create({
    accountId: newId("AC"),
    apiKey: newApiKey(),
    signingSecret: newSigningSecret(),
    alias,
  });
}

const tlsFile = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
/** The test-only self-signed certificate for 127.0.0.1 (test/fixtures/tls/README.md). */
export const TLS_FIXTURE = { certFile: tlsFile("localhost-cert.pem"), keyFile: tlsFile("localhost-key.pem") };

export function basicAuth(accountId: string, apiKey: string): string {
  return `Basic ${Buffer.from(`${accountId}:${apiKey}`).toString("base64")}`;
}

export function authOf(belay: Belay): string {
  return basicAuth(belay.account.accountId, belay.account.apiKey);
}

/** 8 kHz PCM as the virtual-calls API takes it: base64 of 16-bit little-endian samples. */
export function pcmToBase64(pcm: Int16Array): string {
  const bytes = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) bytes.writeInt16LE(pcm[i] as number, i * 2);
  return bytes.toString("base64");
}

export type ResultLine = {
  type: "result";
  callId: string | null;
  status: string;
  reason: string;
  message?: string;
};

export interface VirtualCallRun {
  status: number;
  events: TimelineEvent[];
  result: ResultLine;
}

/** POSTs /belay/v1/virtual-calls and reads the NDJSON stream line by line to its result line. */
export async function placeVirtualCall(belay: Belay, body: Record<string, unknown>): Promise<VirtualCallRun> {
  const response = await fetch(`${belay.publicUrl()}/belay/v1/virtual-calls`, {
    method: "POST",
    headers: { authorization: authOf(belay), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 200)
    throw new Error(`virtual-calls answered ${response.status}: ${await response.text()}`);
  if (response.headers.get("content-type") !== "application/x-ndjson")
    throw new Error(`virtual-calls sent ${response.headers.get("content-type")}, not NDJSON`);
  const events: TimelineEvent[] = [];
  let result: ResultLine | undefined;
  for await (const line of ndjsonLines(response)) {
    const parsed = JSON.parse(line) as TimelineEvent | ResultLine;
    if (result) throw new Error(`a line after the result line: ${line}`);
    if (parsed.type === "result") result = parsed;
    else events.push(parsed);
  }
  if (!result) throw new Error("the stream ended without a result line");
  return { status: response.status, events, result };
}

export interface ScenarioRun {
  events: ScenarioEvent[];
  calls: ScenarioCallResult[];
}

/** POSTs /belay/v1/scenarios and reads its NDJSON stream to the result line, which must hold no error. */
export async function runScenarioRequest(belay: Belay, body: object): Promise<ScenarioRun> {
  const response = await fetch(`${belay.publicUrl()}/belay/v1/scenarios`, {
    method: "POST",
    headers: { authorization: authOf(belay), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 200)
    throw new Error(`scenarios answered ${response.status}: ${await response.text()}`);
  if (response.headers.get("content-type") !== "application/x-ndjson")
    throw new Error(`scenarios sent ${response.headers.get("content-type")}, not NDJSON`);
  const events: ScenarioEvent[] = [];
  let calls: ScenarioCallResult[] | undefined;
  for await (const text of ndjsonLines(response)) {
    const line = JSON.parse(text) as ScenarioLine;
    if (calls) throw new Error(`a line after the result line: ${text}`);
    if (line.type === "result") {
      if (line.error !== undefined) throw new Error(`the scenario failed: ${JSON.stringify(line.error)}`);
      calls = line.calls;
    } else {
      const { type: _type, ...event } = line;
      events.push(event);
    }
  }
  if (!calls) throw new Error("the stream ended without a result line");
  return { events, calls };
}

export async function* ndjsonLines(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
  if (pending !== "") throw new Error(`the stream ended inside a line: ${pending}`);
}

/** The first event of a type, or a failure naming what the timeline held instead. */
export function eventOf<T extends TimelineEvent["type"]>(
  events: TimelineEvent[],
  type: T,
  where: (event: Extract<TimelineEvent, { type: T }>) => boolean = () => true,
): Extract<TimelineEvent, { type: T }> {
  const found = events.find(
    (e): e is Extract<TimelineEvent, { type: T }> => e.type === type && where(e as never),
  );
  if (!found) throw new Error(`no "${type}" event in the timeline: ${events.map((e) => e.type).join(", ")}`);
  return found;
}

/** One request the scripted app received. */
export interface AppHit {
  path: string;
  rawBody: string;
  body: Record<string, unknown>;
  signature: string | undefined;
}

/** What a route does: answer with a status and body, or never answer at all. */
export type AppAnswer = { status?: number; body: string | unknown[]; contentType?: string } | "hang";

export interface ScriptedApp {
  url: string;
  hits: AppHit[];
  /** Resolves with the next request to `path` (or the one already received, counting from `from`). */
  nextHit(path: string, from?: number): Promise<AppHit>;
  close(): Promise<void>;
}

/**
 * An app over real HTTP whose routes answer whatever a test needs, valid PerCL or not. Unknown
 * paths answer `[]`. "hang" never answers, until close().
 */
export async function startScriptedApp(
  routes: Record<string, (hit: AppHit, base: string) => AppAnswer>,
): Promise<ScriptedApp> {
  const hits: AppHit[] = [];
  const waiters: Array<{ path: string; from: number; resolve: (hit: AppHit) => void }> = [];
  const hanging = new Set<ServerResponse>();
  let base = "";
  const server: Server = createServer(async (request, response) => {
    const rawBody = await readBody(request);
    const route = (request.url ?? "/").split("?")[0] as string;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {}
    const hit: AppHit = {
      path: route,
      rawBody,
      body,
      signature: request.headers["freeclimb-signature"] as string | undefined,
    };
    const index = hits.push(hit) - 1;
    const answer = routes[route]?.(hit, base) ?? { body: [] };
    for (const waiter of waiters.filter((w) => w.path === route && index >= w.from)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(hit);
    }
    if (answer === "hang") {
      hanging.add(response);
      return;
    }
    const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    response
      .writeHead(answer.status ?? 200, { "Content-Type": answer.contentType ?? "application/json" })
      .end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    hits,
    nextHit(hitPath, from = 0) {
      const already = hits.find((h, i) => h.path === hitPath && i >= from);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ path: hitPath, from, resolve }));
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on (it was just free; fetch refuses ports like 9). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * FreeClimb's OpenAPI omits `nullable: true` on fields docs/contract.md sends as null (parentCallId,
 * conferenceId on some webhooks, recordingId/recordingUrl when no speech was recorded): a
 * "must be string" complaint about one of these, when the value is null, is the schema's gap.
 */
const NULLABLE_GAPS = new Set(["conferenceId", "parentCallId", "recordingId", "recordingUrl"]);

export function openApiErrors(schema: string, value: Record<string, unknown>): string[] {
  return validate(schema, value).filter((error) => {
    const field = /^\/(\w+) must be string$/.exec(error)?.[1];
    return !(field && NULLABLE_GAPS.has(field) && value[field] === null);
  });
}

/** Compact JSON with keys in alphabetical order, as docs/contract.md §1 asks of every webhook. */
export function sortedCompactJson(value: Record<string, unknown>): string {
  return JSON.stringify(value, Object.keys(value).sort());
}
