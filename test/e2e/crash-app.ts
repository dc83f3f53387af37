/**
 * For the crash tests: an app over real HTTP that keeps every request with its headers, answers
 * by a function of the request, and can hold a request unanswered (as an app that is slow, or
 * that Belay dies in front of). Also a virtual call whose NDJSON timeline is read as it streams.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TimelineEvent } from "../../src/engine/timeline.js";

export interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** An answer, or "hold": never answered while the app runs. */
export type Answer = unknown[] | "hold";

export interface CrashApp {
  url: string;
  hits: Hit[];
  /** The first request (counting from `from`) that matches, as soon as it has arrived. */
  waitFor(what: string, match: (hit: Hit) => boolean, timeoutMs?: number): Promise<Hit>;
  close(): Promise<void>;
}

export async function startCrashApp(answer: (hit: Hit, base: string) => Answer): Promise<CrashApp> {
  const hits: Hit[] = [];
  const waiters = new Set<() => void>();
  const held = new Set<ServerResponse>();
  let base = "";
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {}
      const hit: Hit = { path: (request.url ?? "/").split("?")[0] as string, headers: request.headers, body };
      hits.push(hit);
      for (const wake of [...waiters]) wake();
      const reply = answer(hit, base);
      if (reply === "hold") {
        held.add(response);
        response.on("close", () => held.delete(response));
        return;
      }
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    hits,
    waitFor(what, match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = hits.find(match);
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the app never received ${what}; it received:\n${describeHits(hits)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function describeHits(hits: Hit[]): string {
  return hits.map((h) => `  ${h.path} ${h.body.requestType} from ${h.body.from}`).join("\n");
}

export interface StreamingCall {
  events: TimelineEvent[];
  /** When the test process read an event off the stream (performance.now()). */
  arrivalOf(event: TimelineEvent): number;
  /** Resolves with the first event that matches, as soon as it has streamed in. */
  waitFor<T extends TimelineEvent["type"]>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<TimelineEvent, { type: T }>>;
  /** Settles when the stream ends (or breaks, when Belay dies). */
  closed: Promise<void>;
}

/** POSTs /belay/v1/virtual-calls and reads the timeline as it streams. */
export function streamVirtualCall(apiUrl: string, authorization: string, body: object): StreamingCall {
  const events: TimelineEvent[] = [];
  const arrivals = new Map<TimelineEvent, number>();
  const waiters = new Set<() => void>();
  const closed = (async () => {
    const response = await fetch(`${apiUrl}/belay/v1/virtual-calls`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== 200)
      throw new Error(`virtual-calls answered ${response.status}: ${await response.text()}`);
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of response.body ?? []) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
          const line = JSON.parse(pending.slice(0, nl)) as TimelineEvent | { type: "result" };
          pending = pending.slice(nl + 1);
          if (line.type !== "result") {
            events.push(line as TimelineEvent);
            arrivals.set(line as TimelineEvent, performance.now());
          }
          for (const wake of [...waiters]) wake();
        }
      }
    } catch {
      // Belay was killed: the stream breaks, which is what these tests do.
    }
  })();
  closed.catch(() => undefined);
  return {
    events,
    arrivalOf: (event) => arrivals.get(event) ?? Number.NaN,
    closed: closed.catch(() => undefined),
    waitFor(type, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((e) => e.type === type);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found as never);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no "${type}" event: ${events.map((e) => e.type).join(", ")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
        closed.then(
          () => check(),
          (err: unknown) => {
            waiters.delete(check);
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    },
  };
}
