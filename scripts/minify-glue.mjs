// Trunk post_build hook (Trunk.toml). In release builds it shortens the names the wasm module and
// its wasm-bindgen JS glue share (scripts/wasm-names.mjs: about 5 kB of the gzipped bundle),
// minifies the glue with terser, which Trunk's own JS minifier cannot parse (it skips the file
// with a warning; about 2.3 kB), and puts both files' new integrity hashes into index.html:
// Trunk wrote the old ones before this hook, and names both files after their final bytes.
// Debug builds are left as they are.
import { createHash } from "node:crypto";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";
import { shortenNames } from "./wasm-names.mjs";

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
  // The module the glue loads, beside it (Trunk names it after the glue).
  const wasmPath = path.replace(/\.js$/, "_bg.wasm");
  const wasm = await readFile(wasmPath);
  const wasmBefore = integrity(wasm);
  if (!html.includes(wasmBefore)) {
    throw new Error(`minify-glue: index.html has no integrity ${wasmBefore} for ${wasmPath}`);
  }
  const short = shortenNames(wasm, code);
  console.log(`minify-glue: ${short.renamed} names shortened; wasm ${wasm.length} → ${short.wasm.length} bytes`);
  const { code: small } = await minify(short.glue, { module: true, compress: true, mangle: true });
  console.log(`minify-glue: ${name} ${code.length} → ${small.length} bytes`);
  html = html.replaceAll(wasmBefore, integrity(short.wasm)).replaceAll(before, integrity(small));
  // Trunk named both files after what it built, not after what this hook made of it: named
  // after the final bytes instead, a browser holding an older build's file under that name
  // (a change to this hook, the Rust unchanged) can never pair it with this one.
  const stem = name.replace(/\.js$/, "");
  const hash = createHash("sha256").update(small).update(short.wasm).digest("hex").slice(0, 16);
  const final = stem.replace(/-[0-9a-f]+$/, `-${hash}`);
  if (final === stem || !html.includes(stem)) {
    throw new Error(`minify-glue: cannot rename ${stem} (index.html names it ${html.split(stem).length - 1} times)`);
  }
  html = html.replaceAll(stem, final);
  await writeFile(join(dir, `${final}.js`), small);
  await writeFile(join(dir, `${final}_bg.wasm`), short.wasm);
  await rm(path);
  await rm(wasmPath);
}
await writeFile(htmlPath, html);
// Then the precompressed twins of every asset, the minified glue among them.
await import("./compress.mjs");
