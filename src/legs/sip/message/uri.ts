import { SipParseError } from "./errors.js";
import { formatParams, parseParams } from "./params.js";
import type { SipUri } from "./types.js";

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
// `_` is not in RFC 1034 hostnames, but container and lab names use it and it is unambiguous.
const HOSTNAME = /^[a-zA-Z0-9._-]+$/;
const IPV6 = /^[0-9a-fA-F:.]+$/;

/** True for `scheme:…` text (RFC 3986 absoluteURI): any scheme, so a caller can refuse unknown ones itself. */
export function hasScheme(text: string): string | undefined {
  return SCHEME.exec(text)?.[1]?.toLowerCase();
}

/**
 * A sip:, sips: or tel: URI (RFC 3261 19.1, RFC 3966). The user part is unescaped (`%40` → `@`);
 * formatUri escapes it again. A host in brackets (IPv6 reference) is returned without them.
 * Whitespace anywhere, an empty host, a port above 65535 or an unknown scheme is refused.
 */
export function parseUri(text: string): SipUri {
  const scheme = hasScheme(text);
  if (scheme === undefined) throw new SipParseError("URI without a scheme");
  if (/[\s<>"]/.test(text)) throw new SipParseError("invalid character in URI");
  const rest = text.slice(scheme.length + 1);
  if (scheme === "tel") return parseTel(rest);
  if (scheme !== "sip" && scheme !== "sips") throw new SipParseError(`unsupported URI scheme ${scheme}`);

  // An unescaped `@` can only end the userinfo (parameters and headers must escape it), while the
  // user part itself may hold `;`, `?` and `,` (RFC 4475 semiuri, intmeth): so split at `@` first.
  const at = rest.indexOf("@");
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(":");
    user = unescapeUri(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) password = unescapeUri(userinfo.slice(colon + 1));
    if (user === "") throw new SipParseError("URI with an empty user");
  }
  const query = rest.indexOf("?", at + 1);
  const beforeQuery = query < 0 ? rest : rest.slice(0, query);

  let i = at + 1;
  let host: string;
  if (beforeQuery[i] === "[") {
    const close = beforeQuery.indexOf("]", i);
    if (close < 0) throw new SipParseError("unterminated IPv6 reference in URI");
    host = beforeQuery.slice(i + 1, close);
    if (!IPV6.test(host)) throw new SipParseError("invalid IPv6 reference in URI");
    i = close + 1;
  } else {
    const start = i;
    while (i < beforeQuery.length && beforeQuery[i] !== ":" && beforeQuery[i] !== ";") i++;
    host = beforeQuery.slice(start, i);
    if (!HOSTNAME.test(host)) throw new SipParseError("invalid host in URI");
  }
  let port: number | undefined;
  if (beforeQuery[i] === ":") {
    const start = ++i;
    while (i < beforeQuery.length && beforeQuery[i] !== ";") i++;
    port = parsePort(beforeQuery.slice(start, i), "URI");
  }
  const { params, end } = parseParams(beforeQuery, i, false, "URI");
  if (end !== beforeQuery.length) throw new SipParseError("invalid URI parameters");

  const uri: SipUri = { scheme, user, host, port, params };
  if (password !== undefined) uri.password = password;
  if (query >= 0) uri.headers = rest.slice(query + 1);
  return uri;
}

export function formatUri(uri: SipUri): string {
  if (uri.scheme === "tel") return `tel:${uri.user ?? ""}${formatParams(uri.params)}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += escapeUser(uri.user);
    if (uri.password !== undefined) out += `:${escapeUser(uri.password)}`;
    out += "@";
  }
  out += uri.host.includes(":") ? `[${uri.host}]` : uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatParams(uri.params);
  if (uri.headers !== undefined) out += `?${uri.headers}`;
  return out;
}

export function parsePort(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new SipParseError(`invalid port in ${what}`);
  const port = Number(text);
  if (port > 65535) throw new SipParseError(`port out of range in ${what}`);
  return port;
}

function parseTel(rest: string): SipUri {
  const semi = rest.indexOf(";");
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (!/^\+?[0-9A-Fa-f*#.()\-pPwW]+$/.test(number)) throw new SipParseError("invalid tel URI");
  const { params, end } = parseParams(rest, semi < 0 ? rest.length : semi, false, "URI");
  if (end !== rest.length) throw new SipParseError("invalid tel URI parameters");
  return { scheme: "tel", user: number, host: "", port: undefined, params };
}

/** %XX escapes decoded as UTF-8; a `%` that starts no escape stays as it is. */
export function unescapeUri(text: string): string {
  if (!text.includes("%")) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x25 && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(text[i] as string, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

// RFC 3261 25.1: unreserved and user-unreserved characters stay; everything else is escaped.
const USER_SAFE = /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/;

function escapeUser(text: string): string {
  let out = "";
  for (const ch of text) {
    if (USER_SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
