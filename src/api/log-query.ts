import type { CallLogComparator, CallLogCondition, CallLogField } from "../store/types.js";
import { apiError } from "./errors.js";

/**
 * FreeClimb's Performance Query Language for `POST /Logs`, the subset docs/api/logs.md
 * describes: `key comparator value` triplets joined by AND and OR (AND first), parentheses,
 * comparators = != < <= > >=, values a "double-quoted string", a number, true or false, and
 * `metadata.a.b` for keys inside the metadata. Anything else is a 400 saying what and where.
 */

export const MAX_PQL_LENGTH = 2048;
const MAX_COMPARISONS = 64;
const MAX_DEPTH = 16;

const FIELDS: Record<CallLogField, "number" | "string"> = {
  timestamp: "number",
  level: "string",
  requestId: "string",
  accountId: "string",
  callId: "string",
  message: "string",
};
const LEVELS = ["info", "warning", "error"];
const COMPARATORS: readonly CallLogComparator[] = ["<=", ">=", "!=", "=", "<", ">"];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER = /^-?\d+(\.\d+)?(?![A-Za-z0-9_.])/;

type Token =
  | { type: "word"; text: string; at: number }
  | { type: "string"; text: string; at: number }
  | { type: "number"; value: number; at: number }
  | { type: "comparator"; text: CallLogComparator; at: number }
  | { type: "open" | "close" | "dot"; at: number }
  | { type: "end"; at: number };

/** Parses a PQL query into the store's filter; throws INVALID_REQUEST naming the problem. */
export function parsePql(pql: string): CallLogCondition {
  if (pql.length > MAX_PQL_LENGTH) throw invalid(`is longer than ${MAX_PQL_LENGTH} characters`);
  const parser = new Parser(tokenize(pql));
  const condition = parser.expression(0);
  parser.expectEnd();
  return condition;
}

function invalid(why: string, at?: number): Error {
  const where = at === undefined ? "" : ` (at character ${at + 1})`;
  return apiError("INVALID_REQUEST", `"pql" ${why}${where}`, { field: "pql" });
}

function tokenize(pql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pql.length) {
    const rest = pql.slice(i);
    const char = pql[i] as string;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    if (char === "(" || char === ")") {
      tokens.push({ type: char === "(" ? "open" : "close", at: i });
      i++;
      continue;
    }
    if (char === ".") {
      tokens.push({ type: "dot", at: i });
      i++;
      continue;
    }
    const comparator = COMPARATORS.find((c) => rest.startsWith(c));
    if (comparator) {
      tokens.push({ type: "comparator", text: comparator, at: i });
      i += comparator.length;
      continue;
    }
    if (char === '"') {
      const { text, length } = readString(pql, i);
      tokens.push({ type: "string", text, at: i });
      i += length;
      continue;
    }
    if (char === "'") throw invalid("has a single-quoted string: PQL strings take double quotes", i);
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ type: "number", value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const word = IDENTIFIER.exec(rest);
    if (word) {
      tokens.push({ type: "word", text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    throw invalid(`has ${JSON.stringify(char)}, which PQL does not use`, i);
  }
  tokens.push({ type: "end", at: pql.length });
  return tokens;
}

/** A double-quoted string with \" and \\ escapes. */
function readString(pql: string, start: number): { text: string; length: number } {
  let text = "";
  for (let i = start + 1; i < pql.length; i++) {
    const char = pql[i] as string;
    if (char === "\\") {
      const next = pql[i + 1];
      if (next !== '"' && next !== "\\") throw invalid('has an escape other than \\" or \\\\', i);
      text += next;
      i++;
    } else if (char === '"') return { text, length: i - start + 1 };
    else text += char;
  }
  throw invalid("has a string that is never closed", start);
}

class Parser {
  private index = 0;
  private comparisons = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private take(): Token {
    return this.tokens[this.index++] as Token;
  }

  private keyword(): "AND" | "OR" | undefined {
    const token = this.peek();
    if (token.type !== "word") return undefined;
    const upper = token.text.toUpperCase();
    return upper === "AND" || upper === "OR" ? upper : undefined;
  }

  /** OR of ANDs: AND binds tighter, as in SQL's WHERE. */
  expression(depth: number): CallLogCondition {
    let left = this.conjunction(depth);
    while (this.keyword() === "OR") {
      this.take();
      left = { kind: "or", left, right: this.conjunction(depth) };
    }
    return left;
  }

  private conjunction(depth: number): CallLogCondition {
    let left = this.primary(depth);
    while (this.keyword() === "AND") {
      this.take();
      left = { kind: "and", left, right: this.primary(depth) };
    }
    return left;
  }

  private primary(depth: number): CallLogCondition {
    const token = this.peek();
    if (token.type === "open") {
      if (depth >= MAX_DEPTH) throw invalid(`nests parentheses deeper than ${MAX_DEPTH}`, token.at);
      this.take();
      const inner = this.expression(depth + 1);
      const close = this.take();
      if (close.type !== "close") throw invalid("has a parenthesis that is never closed", token.at);
      return inner;
    }
    return this.comparison();
  }

  private comparison(): CallLogCondition {
    if (++this.comparisons > MAX_COMPARISONS)
      throw invalid(`has more than ${MAX_COMPARISONS} comparisons`, this.peek().at);
    const key = this.take();
    if (key.type === "end") throw invalid("ends where a comparison was expected", key.at);
    if (key.type !== "word") throw invalid("expects a key such as level or metadata.status", key.at);
    if (key.text.toUpperCase() === "NOT")
      throw invalid("uses NOT, which Belay does not support: use !=", key.at);
    const path = [key.text];
    while (this.peek().type === "dot") {
      this.take();
      const part = this.take();
      if (part.type !== "word") throw invalid(`has a "." not followed by a key`, part.at);
      path.push(part.text);
    }
    const comparatorToken = this.take();
    if (comparatorToken.type !== "comparator")
      throw invalid(`expects a comparator (= != < <= > >=) after ${path.join(".")}`, comparatorToken.at);
    const comparator = comparatorToken.text;
    const valueToken = this.take();
    const value = literal(valueToken);
    if (path[0] === "metadata") {
      if (path.length === 1)
        throw invalid("compares metadata itself: name a key, e.g. metadata.status", key.at);
      return { kind: "metadata", path: path.slice(1), comparator, value };
    }
    if (path.length > 1 || !Object.hasOwn(FIELDS, key.text)) {
      throw invalid(
        `has the key ${path.join(".")}: keys are timestamp, level, requestId, accountId, callId, message and metadata.<key>`,
        key.at,
      );
    }
    const field = key.text as CallLogField;
    const expected = FIELDS[field];
    if (typeof value !== expected) {
      const what =
        expected === "number" ? "a number (microseconds since the epoch)" : "a double-quoted string";
      throw invalid(`compares ${field} with ${JSON.stringify(value)}: it takes ${what}`, valueToken.at);
    }
    if (field === "level") {
      if (comparator !== "=" && comparator !== "!=")
        throw invalid("compares level with an order: level takes = or !=", comparatorToken.at);
      if (!LEVELS.includes(value as string))
        throw invalid(
          `compares level with ${JSON.stringify(value)}: levels are info, warning and error`,
          valueToken.at,
        );
    }
    return { kind: "field", field, comparator, value: value as string | number };
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.type === "end") return;
    if (token.type === "close") throw invalid("closes a parenthesis that was never opened", token.at);
    throw invalid("expects AND or OR between comparisons", token.at);
  }
}

function literal(token: Token): string | number | boolean {
  if (token.type === "string") return token.text;
  if (token.type === "number") {
    if (!Number.isSafeInteger(token.value) && Number.isInteger(token.value))
      throw invalid("has a number too large to compare exactly", token.at);
    return token.value;
  }
  if (token.type === "word" && (token.text === "true" || token.text === "false"))
    return token.text === "true";
  if (token.type === "end") throw invalid("ends where a value was expected", token.at);
  throw invalid('expects a value: a "double-quoted string", a number, true or false', token.at);
}
