import { SipParseError } from "./errors.js";

export type Params = Map<string, string | null>;

/**
 * Reads `;name[=value]` parameters from `text`, starting at `from`, until the end or a
 * character that cannot continue them. With `lws` (header parameters, RFC 3261 25.1) spaces may
 * surround `;` and `=`; URI parameters allow none. Names are lowercased; values are kept as sent,
 * quotes included, so they write back unchanged. A parameter without a name (`;;`) is refused.
 */
export function parseParams(
  text: string,
  from: number,
  lws: boolean,
  what: string,
): { params: Params; end: number } {
  const params: Params = new Map();
  let i = from;
  for (;;) {
    if (lws) i = skipLws(text, i);
    if (text[i] !== ";") break;
    i++;
    if (lws) i = skipLws(text, i);
    const nameStart = i;
    while (i < text.length && isParamChar(text.charCodeAt(i))) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (name === "") throw new SipParseError(`empty parameter in ${what}`);
    if (lws) i = skipLws(text, i);
    if (text[i] !== "=") {
      params.set(name, null);
      continue;
    }
    i++;
    if (lws) i = skipLws(text, i);
    const valueStart = i;
    if (text[i] === '"') {
      i = endOfQuoted(text, i, what);
    } else if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) throw new SipParseError(`unterminated [ in ${what}`);
      i = close + 1;
    } else {
      while (i < text.length && isParamChar(text.charCodeAt(i))) i++;
    }
    const value = text.slice(valueStart, i);
    if (value === "") throw new SipParseError(`parameter ${name} has an empty value in ${what}`);
    params.set(name, value);
  }
  return { params, end: i };
}

// A plain function, not a closure per call: this runs for every parameter of every message.
function skipLws(text: string, i: number): number {
  let at = i;
  while (at < text.length && (text.charCodeAt(at) === 0x20 || text.charCodeAt(at) === 0x09)) at++;
  return at;
}

/** Index just past the closing quote of the quoted string opening at `open`. */
export function endOfQuoted(text: string, open: number, what: string): number {
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") i++;
    else if (ch === '"') return i + 1;
  }
  throw new SipParseError(`unterminated quoted string in ${what}`);
}

export function formatParams(params: Params): string {
  let out = "";
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** Anything a parameter name or unquoted value may hold: tokens, URI escapes, IPv6 colons. */
function isParamChar(ch: number): boolean {
  // Excluded: CTLs, SP, " ; , < > ? = \ and DEL; everything else (including UTF-8) is allowed.
  if (ch <= 0x20 || ch === 0x7f) return false;
  return (
    ch !== 0x22 &&
    ch !== 0x3b &&
    ch !== 0x2c &&
    ch !== 0x3c &&
    ch !== 0x3e &&
    ch !== 0x3f &&
    ch !== 0x3d &&
    ch !== 0x5c
  );
}
