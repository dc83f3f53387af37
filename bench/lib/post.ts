import type { Dispatcher } from "undici";

/**
 * One JSON POST on `dispatcher` (undici, kept-alive connections: the client Belay's webhooks use),
 * resolved when the response has ended.
 */
export async function postJson(url: URL, body: string, dispatcher: Dispatcher): Promise<void> {
  const response = await dispatcher.request({
    origin: url.origin,
    path: url.pathname,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await response.body.dump();
}
