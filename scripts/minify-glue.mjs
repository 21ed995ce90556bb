// Trunk post_build hook (Trunk.toml). In release builds it splits the views not on the first
// paint out of the panel's wasm when it was built with them as split points (scripts/build-panel
// sets PANE_SPLIT_FROM to the module cargo linked; scripts/wasm-split.mjs), runs binaryen's size
// optimisation on each module, shortens the names the wasm module and its wasm-bindgen JS glue
// share (scripts/wasm-names.mjs: 7 kB of the gzipped bundle), leaves out the glue's classes and
// the wasm's exports nothing uses (scripts/glue-exports.mjs), orders the main module's functions
// for the compressors (scripts/wasm-order.mjs: 22 kB of it), minifies the glue (and the split's
// loader) with terser, which Trunk's own JS minifier cannot parse (it skips the file with a
// warning), renames the files after their final bytes and puts their names and integrity hashes
// into index.html (Trunk wrote it before this hook). Debug builds are left as they are.
import { createHash } from "node:crypto";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";
import { shortenNames } from "./wasm-names.mjs";
import { binaryen, orderForCompression } from "./wasm-order.mjs";
import { dropUnreadExports, unexportUnusedClasses } from "./glue-exports.mjs";
import { hasSplitPoints, pathsNamed, splitModule, swapImport, swapPath } from "./wasm-split.mjs";

if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("minify-glue: run me as a Trunk hook (no TRUNK_STAGING_DIR)");

// Trunk's subresource integrity is sha384 (Trunk.toml: no_sri = false).
const integrity = (text) => `sha384-${createHash("sha384").update(text).digest("base64")}`;

const terse = async (code) => (await minify(code, { module: true, compress: true, mangle: true })).code;

// binaryen's size optimisation (index.html turns Trunk's off: the split modules need it too, and
// Trunk never sees them). --low-memory-unused lets it fold address offsets (Rust's stack sits at
// the bottom of memory; its lowest 1 KiB is used only by a stack about to overflow); the
// target-features section is for tools, not browsers.
const WASM_OPT_ARGS = ["-Oz", "--converge", "--strip-debug", "--strip-producers", "--strip-target-features", "--low-memory-unused"];

/** `wasm` through binaryen's size optimisation. */
const optimise = (wasm) => binaryen(wasm, WASM_OPT_ARGS);

/**
 * The split (scripts/wasm-split.mjs) of the module cargo linked at `linked`: its glue and main
 * module, and its loader, minified, fetching the split modules this writes beside it, each
 * optimised and named after its bytes.
 */
async function splitFrom(linked) {
  const module = await readFile(linked);
  if (!hasSplitPoints(module)) throw new Error(`minify-glue: ${linked} has no split point (built without the split feature?)`);
  const split = await splitModule(module);
  let loader = split.loader;
  const small = await Promise.all(split.modules.map(({ wasm }) => optimise(wasm)));
  for (const [i, { file }] of split.modules.entries()) {
    const named = `panel-view-${createHash("sha256").update(small[i]).digest("hex").slice(0, 16)}.wasm`;
    await writeFile(join(dir, named), small[i]);
    loader = swapPath(loader, file, named);
  }
  loader = await terse(loader);
  const unknown = pathsNamed(loader).filter((f) => f !== "main.js" && !f.startsWith("panel-view-"));
  if (unknown.length > 0) throw new Error(`minify-glue: the split's loader names ${unknown.join(", ")}`);
  return { ...split, loader };
}

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
  // What the panel is made of: Trunk's glue and module, or (a build with split points) the
  // glue and main module of the split, with the split modules and their loader.
  const split = process.env.PANE_SPLIT_FROM ? await splitFrom(process.env.PANE_SPLIT_FROM) : null;
  if (!split && hasSplitPoints(wasm)) {
    throw new Error("minify-glue: the panel has split points but no PANE_SPLIT_FROM: build it with scripts/build-panel");
  }
  const built = split ? { glue: split.glue, wasm: split.wasm } : { glue: code, wasm };
  const short = shortenNames(await optimise(built.wasm), built.glue);
  const local = unexportUnusedClasses(short.glue);
  const small = await terse(local.glue);
  // Terser renamed the glue's own functions that shared an export's name: any old name left is
  // a use the renaming missed, which would fail only when the panel reached it.
  const left = short.oldNames.filter((old) => small.includes(old));
  if (left.length > 0) throw new Error(`minify-glue: the glue still names ${left.join(", ")}`);
  new WebAssembly.Module(short.wasm); // throws unless the rewritten module compiles
  // The split modules link to the main module's exports through the loader: those are read too.
  const read = dropUnreadExports(short.wasm, split ? `${small}\n${split.loader}` : small);
  const ordered = await orderForCompression(read.wasm, { dropUnused: true });
  // orderForCompression checks that binaryen kept the exports and added no import; what each
  // function does is the e2e tests' to check: they load this module.
  console.log(
    `minify-glue: ${short.imports} imports and ${short.exports} exports renamed; classes nothing uses left out of the glue: ${local.classes.join(", ") || "none"}; exports it never names dropped: ${read.dropped.length}; ${ordered.functions} functions ordered; wasm ${built.wasm.length} → ${ordered.wasm.length} bytes, ${name} ${code.length} → ${small.length} bytes`,
  );
  // Trunk named both files after what it built, not after what this hook made of it: named
  // after the final bytes instead (and those of the loader and the split modules it names), a
  // browser holding an older build's file under that name (a change to this hook, the Rust
  // unchanged) can never pair it with this one.
  const hash = createHash("sha256").update(small).update(ordered.wasm);
  if (split) hash.update(split.loader);
  const final = `${stem.replace(/-[0-9a-f]+$/, "")}-${hash.digest("hex").slice(0, 16)}`;
  let glue = small;
  if (split) {
    // The glue imports the loader (which wasm-bindgen named after the import module), the
    // loader the glue (as `initSync`'s module).
    const loaderFile = `${final}-split.js`;
    glue = swapImport(small, "__wasm_split.js", loaderFile);
    const loader = swapImport(split.loader, "main.js", `${final}.js`);
    await writeFile(join(dir, loaderFile), loader);
    // Fetched with the glue, not after it: the page preloads the loader as it does the glue.
    const preload = `<link crossorigin href=/plugin/${loaderFile} integrity=${integrity(loader)} rel=modulepreload>`;
    if (!html.includes("</head>")) throw new Error("minify-glue: index.html has no </head>");
    html = html.replace("</head>", `${preload}</head>`);
    console.log(`minify-glue: split into the main module and ${split.modules.length} more, loaded by ${loaderFile} (${loader.length} bytes)`);
  }
  html = html.replaceAll(wasmBefore, integrity(ordered.wasm)).replaceAll(before, integrity(glue));
  for (const [from, to] of [[name, `${final}.js`], [wasmName, `${final}_bg.wasm`]]) {
    // The loader's import or module_or_path, and the preload link.
    const uses = html.split(`/${from}`).length - 1;
    if (uses !== 2) throw new Error(`minify-glue: index.html names ${from} ${uses} times, not twice`);
    html = html.replaceAll(`/${from}`, `/${to}`);
  }
  await writeFile(join(dir, `${final}.js`), glue);
  await writeFile(join(dir, `${final}_bg.wasm`), ordered.wasm);
  await rm(path);
  await rm(wasmPath);
}
await writeFile(htmlPath, html);
// Then the precompressed twins of every asset, the minified glue among them.
await import("./compress.mjs");
