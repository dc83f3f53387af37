/**
 * Every TCP connection attempt this process makes (address and port), from Node's own
 * diagnostics channel: lets a test prove that a refused webhook target got no packet at all.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import type { Socket } from "node:net";

export interface ConnectionAttempts {
  /** `address:port` of each attempt since the recorder started. */
  readonly seen: string[];
  stop(): void;
}

export function recordConnectionAttempts(): ConnectionAttempts {
  const seen: string[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    socket.on("connectionAttempt", (address: string, port: number) => seen.push(`${address}:${port}`));
  };
  diagnosticsChannel.subscribe("net.client.socket", onSocket);
  return {
    seen,
    stop: () => diagnosticsChannel.unsubscribe("net.client.socket", onSocket),
  };
}
