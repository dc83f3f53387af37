/**
 * WWW-Authenticate and Proxy-Authenticate values (RFC 7235 section 4.1, RFC 3261 section 25.1):
 * one or more challenges, each a scheme followed by comma-separated `name=value` parameters,
 * values being tokens or quoted strings. Only what a Digest answer needs is kept.
 */

/** A challenge as sent: its scheme and its parameters, names lowercased, quotes removed. */
export interface AuthChallenge {
  scheme: string;
  params: Map<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Every challenge in one header value (a value may hold several, RFC 7235 4.1). Never throws. */
export function parseChallenges(value: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < value.length && chars.test(value[i] as string)) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < value.length && TOKEN_CHAR.test(value[i] as string)) i++;
    return value.slice(start, i);
  };
  while (i < value.length) {
    skip(/[\s,]/);
    const name = token();
    if (name === "") {
      // Something outside the grammar (a token68's padding, a stray quote): step over it.
      i++;
      continue;
    }
    skip(/\s/);
    if (value[i] !== "=") {
      current = { scheme: name, params: new Map() };
      challenges.push(current);
      continue;
    }
    i++;
    skip(/\s/);
    const parameter = value[i] === '"' ? quoted() : token();
    current?.params.set(name.toLowerCase(), parameter);
  }
  return challenges;

  function quoted(): string {
    let out = "";
    i++;
    while (i < value.length && value[i] !== '"') {
      if (value[i] === "\\" && i + 1 < value.length) i++;
      out += value[i];
      i++;
    }
    i++;
    return out;
  }
}

/** A string as a quoted-string (RFC 3261 25.1): `"` and `\` escaped. */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
