/** Free ports on 127.0.0.1 for peers, so runs never collide with each other or with a default 5060. */
import dgram from "node:dgram";
import { createServer } from "node:net";

function bindUdp(port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, "127.0.0.1", () => resolve(socket));
  });
}

const handedOut = new Set<number>();

/**
 * A UDP port that was free, with `port + 1 … port + span - 1` free too (RTP peers use the next port
 * for RTCP, sipp its echo port + 2). Ports are not handed out twice within one test process.
 */
export async function freeUdpPort(span = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Above the usual ephemeral range's start and below 60000, stepping in 4s so spans stay aligned.
    const base = 20000 + 4 * Math.floor(Math.random() * 9000);
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    const sockets = await Promise.all(ports.map(bindUdp));
    await Promise.all(
      sockets.map((s) => (s ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)),
    );
    if (sockets.every(Boolean)) {
      for (const p of ports) handedOut.add(p);
      return base;
    }
  }
  throw new Error("no free UDP port found on 127.0.0.1");
}

/** A TCP port on 127.0.0.1 that was free (baresip's ctrl_tcp). */
export async function freeTcpPort(): Promise<number> {
  for (;;) {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : 0);
      });
    });
    await new Promise((resolve) => server.close(resolve));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
