// Trunk post_build hook (Trunk.toml). In release builds it shortens the names the wasm module and
// its wasm-bindgen JS glue share (scripts/wasm-names.mjs: 7 kB of the gzipped bundle), leaves
// out the glue's classes and the wasm's exports nothing uses (scripts/glue-exports.mjs), orders
// the module's functions for the compressors (scripts/wasm-order.mjs: 22 kB of it), minifies
// the glue with terser, which Trunk's own JS minifier cannot parse (it skips the file with a
// warning), renames both files after their final bytes and puts their names and integrity
// hashes into index.html (Trunk wrote it before this hook). Debug builds are left as they are.
import { createHash } from "node:crypto";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";
import { shortenNames } from "./wasm-names.mjs";
import { orderForCompression } from "./wasm-order.mjs";
import { dropUnreadExports, unexportUnusedClasses } from "./glue-exports.mjs";

if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("minify-glue: run me as a Trunk hook (no TRUNK_STAGING_DIR)");

// Trunk's subresource integrity is sha384 (Trunk.toml: no_sri = false).
const integrity = (text) => `sha384-${createHash("sha384").update(text).digest("base64")}`;

const terse = async (code) => (await minify(code, { module: true, compress: true, mangle: true })).code;

const htmlPath = join(dir, "index.html");
let html = await readFile(htmlPath, "utf8");
const names = await readdir(dir);
for (const name of names.filter((n) => n.endsWith(".js"))) {
  const path = join(dir, name);
  const code = await readFile(path, "utf8");
  const before = integrity(code);
  if (!html.includes(before)) {
    throw new Error(`minify-glue: index.html has no integrity ${before} for ${name}`);
  }
  // wasm-bindgen's glue has its module beside it (Trunk names it after the glue); any other
  // script is only minified.
  const stem = name.replace(/\.js$/, "");
  const wasmName = `${stem}_bg.wasm`;
  if (!names.includes(wasmName)) {
    const small = await terse(code);
    html = html.replaceAll(before, integrity(small));
    await writeFile(path, small);
    console.log(`minify-glue: ${name} ${code.length} → ${small.length} bytes`);
    continue;
  }
  const wasmPath = join(dir, wasmName);
  const wasm = await readFile(wasmPath);
  const wasmBefore = integrity(wasm);
  if (!html.includes(wasmBefore)) {
    throw new Error(`minify-glue: index.html has no integrity ${wasmBefore} for ${wasmName}`);
  }
  const short = shortenNames(wasm, code);
  const local = unexportUnusedClasses(short.glue);
  const small = await terse(local.glue);
  // Terser renamed the glue's own functions that shared an export's name: any old name left is
  // a use the renaming missed, which would fail only when the panel reached it.
  const left = short.oldNames.filter((old) => small.includes(old));
  if (left.length > 0) throw new Error(`minify-glue: the glue still names ${left.join(", ")}`);
  new WebAssembly.Module(short.wasm); // throws unless the rewritten module compiles
  const read = dropUnreadExports(short.wasm, small);
  const ordered = await orderForCompression(read.wasm, { dropUnused: true });
  // orderForCompression checks that binaryen kept the exports and added no import; what each
  // function does is the e2e tests' to check: they load this module.
  console.log(
    `minify-glue: ${short.imports} imports and ${short.exports} exports renamed; classes nothing uses left out of the glue: ${local.classes.join(", ") || "none"}; exports it never names dropped: ${read.dropped.length}; ${ordered.functions} functions ordered; wasm ${wasm.length} → ${ordered.wasm.length} bytes, ${name} ${code.length} → ${small.length} bytes`,
  );
  html = html.replaceAll(wasmBefore, integrity(ordered.wasm)).replaceAll(before, integrity(small));
  // Trunk named both files after what it built, not after what this hook made of it: named
  // after the final bytes instead, a browser holding an older build's file under that name
  // (a change to this hook, the Rust unchanged) can never pair it with this one.
  const hash = createHash("sha256").update(small).update(ordered.wasm).digest("hex").slice(0, 16);
  const final = `${stem.replace(/-[0-9a-f]+$/, "")}-${hash}`;
  for (const [from, to] of [[name, `${final}.js`], [wasmName, `${final}_bg.wasm`]]) {
    // The loader's import or module_or_path, and the preload link.
    const uses = html.split(`/${from}`).length - 1;
    if (uses !== 2) throw new Error(`minify-glue: index.html names ${from} ${uses} times, not twice`);
    html = html.replaceAll(`/${from}`, `/${to}`);
  }
  await writeFile(join(dir, `${final}.js`), small);
  await writeFile(join(dir, `${final}_bg.wasm`), ordered.wasm);
  await rm(path);
  await rm(wasmPath);
}
await writeFile(htmlPath, html);
// Then the precompressed twins of every asset, the minified glue among them.
await import("./compress.mjs");
