import { type Agent, request as httpRequest } from "node:http";

/** One JSON POST with node:http on `agent` (keep-alive), resolved when the response has ended. */
export function postJson(url: URL, body: string, agent: Agent): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", resolve);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
