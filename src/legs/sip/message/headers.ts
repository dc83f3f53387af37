import { canonicalHeaderName, headerKey, LIST_HEADERS } from "./header-names.js";
import { splitList } from "./split-list.js";
import type { SipHeaders } from "./types.js";

interface Line {
  name: string;
  key: string;
  value: string;
}

export type HeaderInit = Iterable<readonly [string, string]> | Record<string, string | string[]>;

/**
 * SipHeaders kept as the lines of the message, in order: one line may hold a comma-separated
 * list (`Allow: INVITE, ACK`), which getAll and entries split into items and the serializer
 * writes back as one line, so a message round-trips as it came.
 */
export class HeaderFields implements SipHeaders {
  readonly #lines: Line[] = [];

  constructor(init?: HeaderInit) {
    if (init === undefined) return;
    const pairs = Symbol.iterator in init ? init : Object.entries(init);
    for (const [name, value] of pairs as Iterable<readonly [string, string | string[]]>) {
      if (Array.isArray(value)) for (const item of value) this.append(name, item);
      else this.append(name, value as string);
    }
  }

  get(name: string): string | undefined {
    const key = headerKey(name);
    const line = this.#lines.find((l) => l.key === key);
    if (line === undefined) return undefined;
    if (!LIST_HEADERS.has(key)) return line.value;
    // An empty list line (`Supported:`) is present but has no items: look further, else "".
    for (const l of this.#lines) {
      if (l.key !== key) continue;
      const first = splitList(l.value)[0];
      if (first !== undefined) return first;
    }
    return "";
  }

  getAll(name: string): string[] {
    const key = headerKey(name);
    const values: string[] = [];
    const list = LIST_HEADERS.has(key);
    for (const l of this.#lines) {
      if (l.key !== key) continue;
      if (list) values.push(...splitList(l.value));
      else values.push(l.value);
    }
    return values;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.#lines.some((l) => l.key === key);
  }

  set(name: string, value: string | string[]): void {
    const key = headerKey(name);
    const at = this.#lines.findIndex((l) => l.key === key);
    const values = Array.isArray(value) ? value : [value];
    const fresh = values.map((v) => ({ name: canonicalHeaderName(name), key, value: v }));
    if (at < 0) {
      this.#lines.push(...fresh);
      return;
    }
    this.delete(name);
    this.#lines.splice(at, 0, ...fresh);
  }

  append(name: string, value: string): void {
    this.#lines.push({ name: canonicalHeaderName(name), key: headerKey(name), value });
  }

  /** Adds a value before every existing one of its name (a proxy's Via, a Record-Route). */
  prepend(name: string, value: string): void {
    const key = headerKey(name);
    const at = this.#lines.findIndex((l) => l.key === key);
    const line = { name: canonicalHeaderName(name), key, value };
    this.#lines.splice(at < 0 ? this.#lines.length : at, 0, line);
  }

  delete(name: string): void {
    const key = headerKey(name);
    for (let i = this.#lines.length - 1; i >= 0; i--)
      if (this.#lines[i]?.key === key) this.#lines.splice(i, 1);
  }

  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const l of this.#lines) {
      const items = LIST_HEADERS.has(l.key) ? splitList(l.value) : [l.value];
      if (items.length === 0) out.push([l.name, ""]);
      else for (const item of items) out.push([l.name, item]);
    }
    return out;
  }

  /** [canonical name, value] one per line as it will be written: lists unsplit. */
  lines(): Array<[string, string]> {
    return this.#lines.map((l) => [l.name, l.value]);
  }

  clone(): HeaderFields {
    const copy = new HeaderFields();
    for (const l of this.#lines) copy.#lines.push({ ...l });
    return copy;
  }
}

/** Headers from [name, value] pairs or a record (an array value gives one line per item). */
export function createHeaders(init?: HeaderInit): HeaderFields {
  return new HeaderFields(init);
}
