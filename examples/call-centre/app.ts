/**
 * A small call-centre app written the way a FreeClimb customer writes one: plain node:http and
 * PerCL as JSON. Nothing in it knows about Belay.
 *
 * A caller is put in a new conference while the app hunts for an agent: it OutDials the first
 * agent, and checks every `pollMs` (Pause, then Redirect) whether that agent has connected. An
 * agent that has not connected within `ringMs` (busy, not answering) is given up on and the next
 * one is dialled; when one connects (outDialConnect) it joins the conference, and the caller joins
 * at the next check. With no agent left the caller is hung up on.
 *
 * The app decides only on what reaches it as PerCL requests (outDialStart, redirect,
 * outDialConnect of a connected agent), never on notifications, whose delivery is not tied to the
 * call's clock: so the same run gives the same calls in real time and on `--fast`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface CallCentreOptions {
  port?: number;
  /** The agents' numbers, in the order they are tried. */
  agents: string[];
  /** How often the waiting caller checks for a connected agent. */
  pollMs?: number;
  /** How long an agent rings before the next one is tried. */
  ringMs?: number;
  /** Record each conference (`conferenceRecordingStatus` then goes to /conference-status). */
  record?: boolean;
}

export interface ReceivedWebhook {
  path: string;
  body: Record<string, unknown>;
}

export interface CallCentreApp {
  server: Server;
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** One waiting caller: its conference and the agent being tried. */
interface Hunt {
  conferenceId: string;
  agentIndex: number;
  agentCallId: string | undefined;
  connected: boolean;
  rungMs: number;
}

type Percl = Array<Record<string, unknown>>;

export async function startCallCentreApp(options: CallCentreOptions): Promise<CallCentreApp> {
  const pollMs = options.pollMs ?? 1000;
  const ringMs = options.ringMs ?? 4000;
  const received: ReceivedWebhook[] = [];
  const hunts = new Map<string, Hunt>();
  let base = "";

  const dialAgent = (body: Record<string, unknown>, hunt: Hunt): Percl => {
    const agent = options.agents[hunt.agentIndex];
    if (agent === undefined) return [{ Hangup: {} }];
    hunt.agentCallId = undefined;
    hunt.rungMs = 0;
    return [
      {
        OutDial: {
          destination: agent,
          callingNumber: body.to,
          actionUrl: `${base}/dialled`,
          callConnectUrl: `${base}/agent-connect`,
          statusCallbackUrl: `${base}/agent-status`,
          timeout: Math.ceil(ringMs / 1000),
        },
      },
    ];
  };
  const wait = (): Percl => [{ Pause: { length: pollMs } }, { Redirect: { actionUrl: `${base}/route` } }];

  const routes: Record<string, (body: Record<string, unknown>) => Percl> = {
    "/voice": () => [
      {
        CreateConference: {
          actionUrl: `${base}/created`,
          statusCallbackUrl: `${base}/conference-status`,
          ...(options.record ? { record: true } : {}),
        },
      },
    ],
    "/created": (body) => {
      const hunt: Hunt = {
        conferenceId: String(body.conferenceId),
        agentIndex: 0,
        agentCallId: undefined,
        connected: false,
        rungMs: 0,
      };
      hunts.set(String(body.callId), hunt);
      return dialAgent(body, hunt);
    },
    "/dialled": (body) => {
      const hunt = hunts.get(String(body.callId));
      if (hunt) hunt.agentCallId = String(body.dialCallId);
      return wait();
    },
    "/route": (body) => {
      const hunt = hunts.get(String(body.callId));
      if (!hunt) return [{ Hangup: {} }];
      if (hunt.connected) return [{ AddToConference: { conferenceId: hunt.conferenceId } }];
      hunt.rungMs += pollMs;
      if (hunt.rungMs < ringMs) return wait();
      hunt.agentIndex++;
      return dialAgent(body, hunt);
    },
    "/agent-connect": (body) => {
      // A busy or unanswered agent's outDialConnect is a notification: nothing to run.
      if (body.callStatus !== "inProgress") return [];
      const hunt = hunts.get(String(body.parentCallId));
      // An agent who answers after the app moved on (or after the caller left) is let go. One who
      // answers before the caller's outDialStart arrived is the one being tried.
      const current = hunt?.agentCallId ?? body.callId;
      if (!hunt || current !== body.callId) return [{ Hangup: {} }];
      hunt.agentCallId = String(body.callId);
      hunt.connected = true;
      return [{ AddToConference: { conferenceId: hunt.conferenceId } }];
    },
  };

  const server = createServer(async (request, response) => {
    const rawBody = await readBody(request);
    const path = (request.url ?? "/").split("?")[0] as string;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {}
    received.push({ path, body });
    // Status webhooks (callStatus, conferenceStatus, agent-status) need no answer.
    const script = routes[path]?.(body) ?? [];
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(script));
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  base = `http://127.0.0.1:${port}`;
  return {
    server,
    url: base,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections (Belay's webhook client) would hold close() for seconds.
        server.closeIdleConnections();
      }),
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
