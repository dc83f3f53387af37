/**
 * For the route-auth test: the routes a Fastify instance has, and the spellings of one path that a
 * URL parser, a proxy or a router might read differently (percent-encoding, doubled slashes, dot
 * segments, case, trailing slashes, semicolons, backslashes).
 */
import { type Agent, request as httpRequest } from "node:http";

export interface RouteTemplate {
  method: string;
  /** Fastify's spelling: `/apiserver/Accounts/:accountId/Calls`, `/docs/*`. */
  url: string;
}

/**
 * Every route Fastify registered (HEAD ones included), read from printRoutes' tree: each line is a
 * node at depth (indent / 4) whose path continues its parent's, with its methods in parentheses.
 */
export function registeredRoutes(tree: string): RouteTemplate[] {
  const routes: RouteTemplate[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split("\n")) {
    const node = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    const depth = (node[1] as string).length / 4;
    const url = (prefixes[depth - 1] ?? "") + (node[2] as string);
    prefixes[depth] = url;
    prefixes.length = depth + 1;
    for (const method of node[3]?.split(", ") ?? []) routes.push({ method, url });
  }
  return routes;
}

/** `/Accounts/{accountId}/Calls` (OpenAPI) → `/Accounts/:accountId/Calls` (Fastify). */
export function fastifyTemplate(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ":$1");
}

/** Fills `:name` params and a trailing `*` from `values`; throws on a param it cannot fill. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/:(\w+)|\*$/g, (whole, name: string | undefined) => {
    const value = values[name ?? "*"];
    if (value === undefined) throw new Error(`no value for ${whole} in ${template}`);
    return value;
  });
}

const percent = (char: string) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
const swapCase = (char: string) => (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase());

/**
 * Other spellings of `path` (`/a/b/c`), none of them the path itself. Each names what it tries, so
 * a failure says which spelling got through.
 */
export function pathVariants(path: string): Array<{ name: string; path: string }> {
  const segments = path.split("/").slice(1);
  const join = (parts: string[]) => `/${parts.join("/")}`;
  const variants: Array<{ name: string; path: string }> = [];
  const add = (name: string, variant: string) => {
    if (variant !== path && !variants.some((v) => v.path === variant)) variants.push({ name, path: variant });
  };
  segments.forEach((segment, i) => {
    const first = segment[0];
    if (first === undefined) return;
    const with_ = (replacement: string) => join(segments.map((s, j) => (j === i ? replacement : s)));
    add(`segment ${i} first char percent-encoded`, with_(percent(first) + segment.slice(1)));
    add(`segment ${i} lower-case percent-encoding`, with_(percent(first).toLowerCase() + segment.slice(1)));
    add(`segment ${i} fully percent-encoded`, with_([...segment].map(percent).join("")));
    add(`segment ${i} first letter case swapped`, with_(swapCase(first) + segment.slice(1)));
    add(`segment ${i} upper case`, with_(segment.toUpperCase()));
    add(`segment ${i} lower case`, with_(segment.toLowerCase()));
    add(`segment ${i} with ;param`, with_(`${segment};x=1`));
    add(`segment ${i} with encoded ;`, with_(`${segment}%3Bx=1`));
    add(`segment ${i} then /x/..`, with_(`${segment}/x/..`));
    add(`segment ${i} then /./`, with_(`${segment}/.`));
    add(`segment ${i} then encoded dot segments`, with_(`${segment}/x/%2e%2e`));
    add(`segment ${i} repeated after ..`, with_(`${segment}/../${segment}`));
  });
  for (let i = 1; i < segments.length; i++) {
    const around = (separator: string) =>
      `/${segments.slice(0, i).join("/")}${separator}${segments.slice(i).join("/")}`;
    add(`slash ${i} encoded %2F`, around("%2F"));
    add(`slash ${i} encoded %2f`, around("%2f"));
    add(`slash ${i} doubled`, around("//"));
    add(`slash ${i} as backslash`, around("\\"));
    add(`slash ${i} as encoded backslash`, around("%5C"));
    add(`slash ${i} as /./`, around("/./"));
  }
  add("leading slash doubled", `/${path}`);
  add("leading /./", `/.${path}`);
  add("leading /..", `/..${path}`);
  add("whole path upper case", path.toUpperCase());
  add("whole path lower case", path.toLowerCase());
  add("trailing slash", `${path}/`);
  add("trailing double slash", `${path}//`);
  add("trailing /.", `${path}/.`);
  add("trailing ;", `${path};`);
  add("trailing ;jsessionid", `${path};jsessionid=1`);
  add("trailing encoded NUL", `${path}%00`);
  add("trailing malformed percent", `${path}%zz`);
  add("trailing encoded slash", `${path}%2F`);
  add("trailing #", `${path}#x`);
  return variants;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request over a real socket with the path exactly as given: node:http sends it byte for byte,
 * where fetch and inject() would parse (and normalise) it as a WHATWG URL first.
 */
export function rawRequest(
  agent: Agent,
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { agent, host: base.hostname, port: base.port, method, path, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}
