import type { z } from "zod";

/** Command name → schema of its attributes object. */
export type ElementRegistry = Readonly<Record<string, z.ZodType>>;

/** What a registry parses to: `{ name, attrs }` with `name` narrowing `attrs` in a switch. */
export type ParsedElement<R extends ElementRegistry> = {
  [K in keyof R & string]: { name: K; attrs: z.output<R[K]> };
}[keyof R & string];

export type ElementFailure = {
  ok: false;
  /** The command name, once it is known. */
  name?: string;
  /** Path of the offending attribute inside the command's attributes, e.g. ["prompts", 0, "text"]. */
  path: PropertyKey[];
  /** The end of a sentence: what is wrong and, where useful, how to fix it. */
  reason: string;
};

export type ElementResult<R extends ElementRegistry> =
  | { ok: true; command: ParsedElement<R> }
  | ElementFailure;

/** Marks a zod issue whose message already names the nested command and attribute. */
export const NESTED_ISSUE = "perclNested";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** Renders ["prompts", 0, "text"] as prompts[0].text. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

function failure(reason: string, name?: string, path: PropertyKey[] = []): ElementFailure {
  return name === undefined ? { ok: false, path, reason } : { ok: false, name, path, reason };
}

/**
 * Parses one script element: an object with exactly one key, the command name, whose value is the
 * attributes object. `refuse` words the reason for a name that is missing from `registry`.
 */
export function parseElement<R extends ElementRegistry>(
  value: unknown,
  registry: R,
  refuse: (name: string) => string,
): ElementResult<R> {
  if (!isPlainObject(value)) {
    return failure(`must be an object with one key, the command name, but is ${describe(value)}`);
  }
  const keys = Object.keys(value);
  const [name] = keys;
  if (name === undefined) return failure("is an empty object; it needs one key, the command name");
  if (keys.length > 1) {
    const listed = keys.map((k) => JSON.stringify(k)).join(", ");
    return failure(`has ${keys.length} keys (${listed}); each element holds exactly one command`);
  }
  const schema = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (schema === undefined) return failure(refuse(name));

  const attrs = value[name];
  if (!isPlainObject(attrs)) {
    return failure(`attributes must be an object (use {} for none) but are ${describe(attrs)}`, name);
  }
  const parsed = schema.safeParse(attrs);
  // The registry lookup by `name` guarantees the pairing the cast asserts.
  if (parsed.success) return { ok: true, command: { name, attrs: parsed.data } as ParsedElement<R> };

  const [issue] = parsed.error.issues;
  if (issue === undefined) return failure("attributes are invalid", name);
  const path = [...issue.path];
  if (issue.code === "custom" && issue.params?.[NESTED_ISSUE] === true) {
    return failure(issue.message, name, path);
  }
  const field = formatPath(path);
  return failure(field === "" ? issue.message : `"${field}" ${issue.message}`, name, path);
}
