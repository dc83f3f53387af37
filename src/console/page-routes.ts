import type { FastifyInstance, FastifyReply } from "fastify";
import type { ConsoleBundle } from "./bundle.js";

/** Nothing but the console's own script, styles and same-origin requests; no framing. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Belay console</title>
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`;

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("Content-Security-Policy", CSP)
    .header("X-Content-Type-Options", "nosniff")
    .header("Referrer-Policy", "no-referrer")
    .header("Cache-Control", "no-store");
}

/** The one HTML page (pages are hash routes inside it) and its bundled assets; none need a session. */
export function pageRoutes(api: FastifyInstance, bundle: ConsoleBundle): void {
  const open = { schema: { hide: true }, config: { public: true } };
  api.get("/console", open, async (_request, reply) =>
    secureHeaders(reply).type("text/html; charset=utf-8").send(PAGE),
  );
  // Routing is exact (app.ts): the address people type with a slash gets the page too.
  api.get("/console/", open, async (_request, reply) => reply.redirect("/console"));
  api.get("/console/app.js", open, async (_request, reply) =>
    secureHeaders(reply)
      .type("text/javascript; charset=utf-8")
      .send((await bundle.get()).js),
  );
  api.get("/console/app.css", open, async (_request, reply) =>
    secureHeaders(reply)
      .type("text/css; charset=utf-8")
      .send((await bundle.get()).css),
  );
}
