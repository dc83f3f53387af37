import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The browser side, bundled: one script and one stylesheet, served from memory. */
export interface ConsoleAssets {
  js: string;
  css: string;
}

// Two folders up is the package root from src/console and from dist/console alike.
const ENTRY = fileURLToPath(new URL("../../src/console/web/main.tsx", import.meta.url));

/**
 * Bundles src/console/web on first use (esbuild, about 100 ms) and keeps the result: no build
 * step before `npm start`, no CDN, nothing written to disk.
 */
export class ConsoleBundle {
  private assets: Promise<ConsoleAssets> | undefined;

  get(): Promise<ConsoleAssets> {
    this.assets ??= bundle().catch((err: unknown) => {
      // A failed build is retried on the next request rather than cached.
      this.assets = undefined;
      throw err;
    });
    return this.assets;
  }
}

async function bundle(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    outdir: "console-out",
    format: "esm",
    target: "es2022",
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    logLevel: "silent",
  });
  const text = (ext: string) => result.outputFiles.find((file) => file.path.endsWith(ext))?.text ?? "";
  return { js: text(".js"), css: text(".css") };
}
