import { createRequire } from "node:module";

/**
 * `Belay/<version>` from package.json, which sits two folders up both from the sources
 * (src/webhooks) and from the build (dist/webhooks).
 */
function readVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)("../../package.json") as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "dev";
  } catch {
    return "dev";
  }
}

export const DEFAULT_USER_AGENT = `Belay/${readVersion()}`;
