/**
 * A scripted SIP peer over real UDP on 127.0.0.1: sends raw SIP text and reads what comes back,
 * in order, waiting for the message a test names (with a bound, so a missing answer fails the
 * test instead of hanging it).
 */
import { createSocket, type Socket } from "node:dgram";
import { isSipParseError } from "../../src/legs/sip/message/errors.js";
import { parseSipMessage } from "../../src/legs/sip/message/parse.js";
import type { SipMessage, SipRequest, SipResponse } from "../../src/legs/sip/message/types.js";

export interface Received {
  message: SipMessage;
  from: { address: string; port: number };
}

export class UdpPeer {
  private readonly queue: Received[] = [];
  private readonly waiters: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  /** Everything ever received, consumed or not. */
  readonly log: Received[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on("message", (bytes, info) => {
      let message: SipMessage;
      try {
        message = parseSipMessage(bytes);
      } catch (err) {
        if (isSipParseError(err)) return;
        throw err;
      }
      const received = { message, from: { address: info.address, port: info.port } };
      this.log.push(received);
      const waiter = this.waiters.find((w) => w.match(received));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(received);
      } else this.queue.push(received);
    });
  }

  static async open(port = 0): Promise<UdpPeer> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", resolve));
    return new UdpPeer(socket, socket.address().port);
  }

  get via(): string {
    return `127.0.0.1:${this.port}`;
  }

  send(bytes: Buffer, port: number, address = "127.0.0.1"): void {
    this.socket.send(bytes, port, address);
  }

  /** The next message (in arrival order) that `match` accepts; the others stay queued. */
  next(
    match: (r: Received) => boolean = () => true,
    timeoutMs = 5000,
    what = "a SIP message",
  ): Promise<Received> {
    const index = this.queue.findIndex(match);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0] as Received);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.describe()}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (r: Received) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The next response with `status` to the request with CSeq method `method`. */
  async response(status: number, method: string, timeoutMs = 5000): Promise<SipResponse> {
    const r = await this.next(
      (r) =>
        r.message.kind === "response" &&
        r.message.status === status &&
        (r.message.headers.get("CSeq") ?? "").endsWith(` ${method}`),
      timeoutMs,
      `${status} to ${method}`,
    );
    return r.message as SipResponse;
  }

  /** The next request with `method`. */
  async request(method: string, timeoutMs = 5000): Promise<Received & { message: SipRequest }> {
    const r = await this.next(
      (r) => r.message.kind === "request" && r.message.method === method,
      timeoutMs,
      `a ${method}`,
    );
    return r as Received & { message: SipRequest };
  }

  /** What arrived and is still unread, for failure messages. */
  describe(): string {
    return (
      this.queue
        .map((r) =>
          r.message.kind === "request"
            ? r.message.method
            : `${r.message.status} ${r.message.headers.get("CSeq")}`,
        )
        .join(", ") || "nothing"
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A UDP port on 127.0.0.1 that was free a moment ago (Belay's SIP port 0 means off, not "any"). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** An SDP offer as softphones send it: PCMU and PCMA, telephone-event, 20 ms. */
export function sdpOffer(
  rtpPort: number,
  options: { formats?: string; direction?: string; extra?: string[] } = {},
): string {
  const formats = options.formats ?? "0 8 101";
  const lines = [
    "v=0",
    `o=peer 1 ${options.direction ? 2 : 1} IN IP4 127.0.0.1`,
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio ${rtpPort} RTP/AVP ${formats}`,
    ...(options.extra ?? [
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-16",
    ]),
    "a=ptime:20",
    `a=${options.direction ?? "sendrecv"}`,
  ];
  return `${lines.join("\r\n")}\r\n`;
}
