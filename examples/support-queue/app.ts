/**
 * A support line with a call queue, written the way a FreeClimb customer writes one: plain
 * node:http, PerCL as JSON, and FreeClimb's REST API for the queue. Nothing in it knows Belay.
 *
 * Customers calling the support number are told to hold and put in the queue (Enqueue), hearing
 * hold music between waits. An agent calling the agents' number gets a new conference
 * (CreateConference, recorded when asked); once it exists the app takes the customer at the front
 * of the queue (GET then POST /Queues/{id}/Members/{callId}) and both join it: the agent at once,
 * the customer when its Enqueue's actionUrl hears `dequeue`. With nobody waiting the agent is told
 * so and hung up on.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface SupportQueueOptions {
  port?: number;
  /** FreeClimb's (or Belay's) REST API base, e.g. http://127.0.0.1:8080/apiserver. */
  apiUrl: string;
  accountId: string;
  apiKey: string;
  /** The number agents call; every other number is the support line. */
  agentLine: string;
  /** The hold music (8 kHz mono 16-bit WAV bytes) the app serves to the waitUrl's Play. */
  holdMusic: Uint8Array;
  /** Silence after each play of the hold music before the waitUrl is asked again. */
  holdPauseMs?: number;
  /** Record each agent's conference. */
  record?: boolean;
}

export interface ReceivedWebhook {
  path: string;
  body: Record<string, unknown>;
}

export interface SupportQueueApp {
  server: Server;
  url: string;
  queueId: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

type Percl = Array<Record<string, unknown>>;
type Route = (body: Record<string, unknown>) => Percl | Promise<Percl>;

export async function startSupportQueueApp(options: SupportQueueOptions): Promise<SupportQueueApp> {
  const api = restClient(options);
  const queue = await api("POST", "/Queues", { alias: "support" });
  const queueId = String(queue.body.queueId);
  const received: ReceivedWebhook[] = [];
  /** Dequeued customers' calls, and the conference their agent waits in. */
  const connecting = new Map<string, string>();
  let base = "";

  const routes: Record<string, Route> = {
    "/voice": (body) =>
      body.to === options.agentLine
        ? [
            {
              CreateConference: {
                actionUrl: `${base}/agent-conference`,
                statusCallbackUrl: `${base}/conference-status`,
                ...(options.record ? { record: true } : {}),
              },
            },
          ]
        : [
            {
              Enqueue: {
                queueId,
                waitUrl: `${base}/hold`,
                actionUrl: `${base}/left-queue`,
                notificationUrl: `${base}/queued`,
              },
            },
          ],
    "/hold": () => [
      { Play: { file: `${base}/hold-music.wav` } },
      { Pause: { length: options.holdPauseMs ?? 10_000 } },
    ],
    "/agent-conference": async (body) => {
      const conferenceId = String(body.conferenceId);
      const front = await api("GET", `/Queues/${queueId}/Members/Front`);
      if (front.status === 404) return [{ Say: { text: "Nobody is waiting." } }, { Hangup: {} }];
      const customer = String(front.body.callId);
      // Noted before the dequeue: the customer's `dequeue` webhook may arrive before its answer.
      connecting.set(customer, conferenceId);
      const dequeued = await api("POST", `/Queues/${queueId}/Members/${customer}`);
      if (dequeued.status !== 202) {
        connecting.delete(customer);
        return [{ Say: { text: "The caller has just left." } }, { Hangup: {} }];
      }
      return [{ AddToConference: { conferenceId } }];
    },
    "/left-queue": (body) => {
      // `dequeue`: an agent took the call. removeFromQueueNotification (hang-up): nothing to run.
      const conferenceId = connecting.get(String(body.callId));
      if (body.requestType !== "dequeue" || !conferenceId) return [];
      connecting.delete(String(body.callId));
      return [{ AddToConference: { conferenceId } }];
    },
  };

  const server = createServer(async (request, response) => {
    const path = (request.url ?? "/").split("?")[0] as string;
    if (request.method === "GET" && path === "/hold-music.wav") {
      response.writeHead(200, { "Content-Type": "audio/wav" }).end(options.holdMusic);
      return;
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    } catch {}
    received.push({ path, body });
    try {
      // Notifications (queued, conference-status, status) need no answer.
      const script = (await routes[path]?.(body)) ?? [];
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(script));
    } catch (err) {
      response.writeHead(500, { "Content-Type": "text/plain" }).end(String(err));
    }
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  base = `http://127.0.0.1:${port}`;
  return {
    server,
    url: base,
    queueId,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections (the platform's webhook client) would hold close() for seconds.
        server.closeIdleConnections();
      }),
  };
}

/** FreeClimb's REST API with the account's Basic credentials. */
function restClient(options: SupportQueueOptions) {
  const auth = `Basic ${Buffer.from(`${options.accountId}:${options.apiKey}`).toString("base64")}`;
  return async (
    method: "GET" | "POST",
    path: string,
    body?: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${options.apiUrl}/Accounts/${options.accountId}${path}`, {
      method,
      headers: { authorization: auth, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
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
