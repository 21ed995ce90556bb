// Trunk post_build hook (Trunk.toml). In release builds it minifies the wasm-bindgen JS glue with
// terser, which Trunk's own JS minifier cannot parse (it skips the file with a warning), and
// puts the new file's integrity hash into index.html: Trunk wrote the old one before this hook.
// Saves about 2.3 kB of the gzipped bundle. Debug builds are left as they are.
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";

if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("minify-glue: run me as a Trunk hook (no TRUNK_STAGING_DIR)");

// Trunk's subresource integrity is sha384 (Trunk.toml: no_sri = false).
const integrity = (text) => `sha384-${createHash("sha384").update(text).digest("base64")}`;

const htmlPath = join(dir, "index.html");
let html = await readFile(htmlPath, "utf8");
for (const name of (await readdir(dir)).filter((n) => n.endsWith(".js"))) {
  const path = join(dir, name);
  const code = await readFile(path, "utf8");
  const before = integrity(code);
  if (!html.includes(before)) {
    throw new Error(`minify-glue: index.html has no integrity ${before} for ${name}`);
  }
  const { code: small } = await minify(code, { module: true, compress: true, mangle: true });
  html = html.replaceAll(before, integrity(small));
  await writeFile(path, small);
  console.log(`minify-glue: ${name} ${code.length} → ${small.length} bytes`);
}
await writeFile(htmlPath, html);
// Then the precompressed twins of every asset, the minified glue among them.
await import("./compress.mjs");
