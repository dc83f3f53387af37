/**
 * The media benchmark's limit: a bare Node UDP sink. Binds --sockets UDP sockets on 127.0.0.1
 * (one per call, as Belay binds one RTP port per call), counts and discards every datagram.
 * Prints `ports <p1,p2,...>` once bound; on stdin, `start` zeroes its counters and CPU clock and
 * `stop` prints `{"packets":..,"cpuUs":..}` for the time between. Exits on SIGTERM or stdin's end.
 */
import { createSocket, type Socket } from "node:dgram";
import { createInterface } from "node:readline";
import { numberOption } from "../lib/args.js";

const SOCKETS = numberOption("--sockets", 10);
let packets = 0;
const onMessage = () => {
  packets++;
};
const sockets: Socket[] = [];
for (let i = 0; i < SOCKETS; i++) {
  const socket = createSocket("udp4");
  socket.on("message", onMessage);
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  sockets.push(socket);
}
process.stdout.write(`ports ${sockets.map((s) => s.address().port).join(",")}\n`);
let cpu = process.cpuUsage();
let t0 = performance.now();
createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line === "start") {
      packets = 0;
      cpu = process.cpuUsage();
      t0 = performance.now();
    } else if (line === "stop") {
      const used = process.cpuUsage(cpu);
      process.stdout.write(
        `${JSON.stringify({ packets, cpuUs: used.user + used.system, wallMs: performance.now() - t0 })}\n`,
      );
    }
  })
  .on("close", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
