import { SipParseError } from "./errors.js";
import { trimLws } from "./lws.js";
import { endOfQuoted, formatParams, type Params, parseParams } from "./params.js";
import type { NameAddr } from "./types.js";
import { formatUri, parseUri } from "./uri.js";

// Tokens, plus UTF-8: some phones send `Jürgen <sip:…>` unquoted, which is unambiguous. ASCII
// separators (`Bell, Alexander`, RFC 4475 baddn) still need quotes.
const DISPLAY_WORD = /^[A-Za-z0-9\-.!%*_+`'~\u0080-\uffff]+$/;

/**
 * The structure of a From/To/Contact/Route value without interpreting its URI, so a message whose
 * To is `<http://…>` (RFC 4475 unksm2) still parses: the URI is the caller's to judge.
 */
export interface ScannedNameAddr {
  displayName: string | undefined;
  uriText: string;
  params: Params;
}

/**
 * `"Display" <uri>;params`, `Display Name <uri>;params`, `<uri>;params` or a bare addr-spec
 * `uri;params` (where every `;` starts a header parameter, and `?` or `,` are refused: RFC 3261
 * 20 says such URIs must be in `<>`). Spaces inside `<…>`, an unterminated quote or an unquoted
 * display name with ASCII separators are refused.
 */
export function scanNameAddr(text: string, what = "name-addr"): ScannedNameAddr {
  const value = trimLws(text);
  let displayName: string | undefined;
  let i = 0;
  if (value.startsWith('"')) {
    const end = endOfQuoted(value, 0, what);
    displayName = value.slice(1, end - 1).replace(/\\(.)/gs, "$1");
    i = end;
    while (value[i] === " " || value[i] === "\t") i++;
    if (value[i] !== "<") throw new SipParseError(`${what}: quoted display name without <address>`);
  } else {
    const open = value.indexOf("<");
    if (open < 0) return scanAddrSpec(value, what);
    const words = trimLws(value.slice(0, open));
    if (words !== "") {
      for (const word of words.split(/[ \t]+/)) {
        if (!DISPLAY_WORD.test(word)) throw new SipParseError(`${what}: display name must be quoted`);
      }
      displayName = words;
    }
    i = open;
  }
  const close = value.indexOf(">", i);
  if (close < 0) throw new SipParseError(`${what}: < without >`);
  const uriText = value.slice(i + 1, close);
  if (uriText === "" || /\s/.test(uriText)) throw new SipParseError(`${what}: invalid address in <>`);
  const { params, end } = parseParams(value, close + 1, true, what);
  if (end !== value.length) throw new SipParseError(`${what}: invalid parameters`);
  return { displayName, uriText, params };
}

function scanAddrSpec(value: string, what: string): ScannedNameAddr {
  const semi = value.indexOf(";");
  const uriText = trimLws(semi < 0 ? value : value.slice(0, semi));
  if (uriText === "" || /[\s,?"]/.test(uriText))
    throw new SipParseError(`${what}: address must be enclosed in <>`);
  const { params, end } = parseParams(value, uriText.length, true, what);
  if (end !== value.length) throw new SipParseError(`${what}: invalid parameters`);
  return { displayName: undefined, uriText, params };
}

/** A From/To/Contact/Route value with a sip:, sips: or tel: URI. */
export function parseNameAddr(text: string): NameAddr {
  const scanned = scanNameAddr(text);
  return { displayName: scanned.displayName, uri: parseUri(scanned.uriText), params: scanned.params };
}

/** Always `<uri>`, with the display name quoted: never ambiguous about where parameters belong. */
export function formatNameAddr(value: NameAddr): string {
  const name = value.displayName === undefined ? "" : `"${value.displayName.replace(/(["\\])/g, "\\$1")}" `;
  return `${name}<${formatUri(value.uri)}>${formatParams(value.params)}`;
}
