import assert from "node:assert/strict";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * `belay/testing` resolves to the sources under the belay-source condition and to what
 * `npm run build` writes otherwise: the two must name the same module.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
const json = async (file: string) => JSON.parse(await readFile(path.join(root, file), "utf8"));

test("package.json exports ./testing: the sources, and the build's JavaScript and types for them", async () => {
  const pkg = await json("package.json");
  const build = await json("tsconfig.build.json");
  const entry = pkg.exports["./testing"];
  assert.deepEqual(Object.keys(entry), ["belay-source", "types", "default"], "the condition first");
  await access(path.join(root, entry["belay-source"]));
  const { rootDir, outDir } = build.compilerOptions;
  const relative = path.relative(rootDir, entry["belay-source"]);
  const emitted = (ext: string) => `./${path.join(outDir, relative.replace(/\.ts$/, ext))}`;
  assert.equal(entry.default, emitted(".js"));
  assert.equal(entry.types, emitted(".d.ts"));
  assert.ok(build.include.includes(rootDir), "the build compiles the entry's folder");
});

test("npm test runs the examples' tests, with the condition that resolves belay/testing", async () => {
  const pkg = await json("package.json");
  assert.match(pkg.scripts.test, /--conditions=belay-source/);
  assert.match(pkg.scripts.test, /examples\/\*\/\*\.test\.ts/);
});
