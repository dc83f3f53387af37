import { createSocket, type Socket } from "node:dgram";
import { BelayError } from "../../errors.js";

/** Where a datagram came from or goes to. */
export interface Endpoint {
  address: string;
  port: number;
}

export interface DatagramSink {
  send(bytes: Buffer, to: Endpoint): void;
}

/**
 * Belay's one SIP socket. Every datagram goes to `onDatagram` with its source; sends never throw
 * (a peer that went away is the transactions' business, by timeout).
 */
export class UdpTransport implements DatagramSink {
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly local: Endpoint,
    private readonly onSendError: (err: Error, to: Endpoint) => void,
  ) {}

  static async open(options: {
    host: string;
    port: number;
    onDatagram(bytes: Buffer, source: Endpoint): void;
    onSendError(err: Error, to: Endpoint): void;
  }): Promise<UdpTransport> {
    const type = options.host.includes(":") ? "udp6" : "udp4";
    const socket = createSocket({ type, reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        socket.close();
        reject(
          new BelayError(
            "SIP_LISTEN_FAILED",
            `cannot listen for SIP on ${options.host}:${options.port}: ${err.message}`,
            {
              host: options.host,
              port: options.port,
            },
          ),
        );
      };
      socket.once("error", fail);
      socket.bind(options.port, options.host, () => {
        socket.off("error", fail);
        resolve();
      });
    });
    const address = socket.address();
    const transport = new UdpTransport(
      socket,
      { address: address.address, port: address.port },
      options.onSendError,
    );
    socket.on("message", (bytes, info) =>
      options.onDatagram(bytes, { address: info.address, port: info.port }),
    );
    // A UDP socket's errors after bind are per-send (ICMP unreachable on some systems): never fatal.
    socket.on("error", (err) => options.onSendError(err, transport.local));
    return transport;
  }

  send(bytes: Buffer, to: Endpoint): void {
    if (this.closed) return;
    try {
      this.socket.send(bytes, to.port, to.address, (err) => {
        if (err) this.onSendError(err, to);
      });
    } catch (err) {
      // A bad port or address throws at once; retransmission timers call this too, so never rethrow.
      this.onSendError(err instanceof Error ? err : new Error(String(err)), to);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
