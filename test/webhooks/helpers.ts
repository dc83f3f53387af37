/**
 * Test doubles for the webhook client: a real HTTP app on 127.0.0.1, an in-memory delivery repo
 * stamped by the test's clock, and a logger whose lines the test can read.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { WebhookDeliveryRepo, WebhookDeliveryRow } from "../../src/store/types.js";
import type { Clock } from "../../src/time/clock.js";

export const ACCOUNT_ID = `AC${"1".repeat(40)}`;
export const CALL_ID = `CA${"2".repeat(40)}`;
export const SECRET = `sigsec_${"ab".repeat(20)}`;
export const OLD_SECRET = `sigsec_${"cd".repeat(20)}`;

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Index of this request among all the app received (0-based). */
  seq: number;
}

export type Reply = { status?: number; body?: string; headers?: Record<string, string> } | "hang";

export interface TestApp {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  base: string;
  requests: ReceivedRequest[];
  /** Resolves when the app has received `count` requests in all. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real node:http server standing in for a customer's app. `reply` decides each answer;
 * "hang" keeps the request open until the server closes.
 */
export async function startApp(
  reply: (request: ReceivedRequest, response: ServerResponse) => Reply | Promise<Reply>,
): Promise<TestApp> {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const request: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        seq: requests.length,
      };
      requests.push(request);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer = await reply(request, res);
      if (answer === "hang" || res.headersSent) return;
      res.writeHead(answer.status ?? 200, { "Content-Type": "application/json", ...answer.headers });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    received(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was just bound and released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger writing parsed lines into `lines` (and their raw text into `raw`). */
export function captureLogger(): { logger: pino.Logger; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level: "debug" },
    {
      write(text: string) {
        raw.push(text);
        lines.push(JSON.parse(text) as LogLine);
      },
    },
  );
  return { logger, lines, raw };
}

export const WARN = 40;
export const ERROR = 50;

/**
 * Implements WebhookDeliveryRepo in memory with the SQL store's semantics: dates from the
 * clock, listDue ordered by nextAttemptAt then insertion, listByCall in insertion order.
 */
export class MemoryDeliveryRepo implements WebhookDeliveryRepo {
  private readonly rows: WebhookDeliveryRow[] = [];

  constructor(private readonly clock: Clock) {}

  async create(
    row: Omit<WebhookDeliveryRow, "dateCreated" | "dateUpdated" | "redacted"> & { redacted?: boolean },
  ): Promise<WebhookDeliveryRow> {
    if (this.rows.some((r) => r.deliveryId === row.deliveryId))
      throw new Error(`duplicate ${row.deliveryId}`);
    const now = this.clock.now();
    const stored = { ...row, redacted: row.redacted ?? false, dateCreated: now, dateUpdated: now };
    this.rows.push(stored);
    return { ...stored };
  }

  async update(
    deliveryId: string,
    patch: Partial<Omit<WebhookDeliveryRow, "deliveryId" | "dateCreated">>,
  ): Promise<void> {
    const row = this.rows.find((r) => r.deliveryId === deliveryId);
    if (!row) throw new Error(`no delivery ${deliveryId}`);
    Object.assign(row, patch, { dateUpdated: this.clock.now() });
  }

  async get(deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
    const row = this.rows.find((r) => r.deliveryId === deliveryId);
    return row && { ...row };
  }

  async listDue(now: number, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.rows
      .filter((r) => r.durable && r.state === "pending" && r.nextAttemptAt !== null && r.nextAttemptAt <= now)
      .sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0))
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  async listByCall(callId: string): Promise<WebhookDeliveryRow[]> {
    return this.rows.filter((r) => r.callId === callId).map((r) => ({ ...r }));
  }

  async deleteSettledBefore(before: number, limit: number): Promise<number> {
    const doomed = this.rows
      .filter((r) => r.state !== "pending" && r.dateUpdated < before)
      .sort((a, b) => a.dateUpdated - b.dateUpdated)
      .slice(0, limit);
    for (const row of doomed) this.rows.splice(this.rows.indexOf(row), 1);
    return doomed.length;
  }

  all(): WebhookDeliveryRow[] {
    return this.rows.map((r) => ({ ...r }));
  }
}

/** The body of an inboundCall webhook, keys deliberately out of order. */
export function inboundCallBody(overrides: Record<string, unknown> = {}) {
  return {
    requestType: "inboundCall",
    to: "+13125550100",
    from: "+13125550199",
    callId: CALL_ID,
    accountId: ACCOUNT_ID,
    callStatus: "ringing",
    direction: "inbound",
    conferenceId: null,
    queueId: null,
    parentCallId: null,
    ...overrides,
  };
}
