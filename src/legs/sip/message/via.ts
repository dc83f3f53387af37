import { SipParseError } from "./errors.js";
import { trimLws } from "./lws.js";
import { formatParams, parseParams } from "./params.js";
import type { Via } from "./types.js";
import { parsePort } from "./uri.js";

// sent-protocol with the LWS RFC 3261 allows around each `/` (RFC 4475 wsinv), then sent-by.
const SENT =
  /^SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_\-.]+)(?:[ \t]*:[ \t]*(\d+))?/i;

/** One Via value (already split from its list): `SIP/2.0/UDP host[:port];params`. */
export function parseVia(text: string): Via {
  const value = trimLws(text);
  const match = SENT.exec(value);
  if (match === null) throw new SipParseError("invalid Via");
  const [, transport = "", host = "", port] = match;
  const { params, end } = parseParams(value, match[0].length, true, "Via");
  if (end !== value.length) throw new SipParseError("invalid Via parameters");
  return {
    transport: transport.toUpperCase(),
    host: host.startsWith("[") ? host.slice(1, -1) : host,
    port: port === undefined ? undefined : parsePort(port, "Via"),
    params,
  };
}

export function formatVia(via: Via): string {
  const host = via.host.includes(":") ? `[${via.host}]` : via.host;
  return `SIP/2.0/${via.transport} ${host}${via.port === undefined ? "" : `:${via.port}`}${formatParams(via.params)}`;
}
