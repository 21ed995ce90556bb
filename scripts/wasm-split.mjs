// The release hook's split (scripts/minify-glue.mjs), for a panel built with the `split` feature
// (scripts/build-panel): what is not on the first paint (src/split.rs) leaves the panel's wasm
// for modules of their own, which the browser fetches the first time one is needed (issue 18:
// the bundle).
//
// Trunk cannot run this itself: the split goes between cargo and wasm-bindgen. So the hook takes
// the module cargo linked (with its relocations: `-Clink-args=--emit-relocs`), has
// `wasm-split-cli` cut it into the main module, the split modules and their loader
// (`__wasm_split.js`, which fetches each on demand and links it to the main module's memory and
// function table), then runs wasm-bindgen on the main module as Trunk does, keeping the
// exports the split modules link to (`--keep-lld-exports`). What Trunk built from the same
// module (its glue importing the split points' placeholder module, which no browser can load)
// is replaced by this.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The import module wasm_split's macro gives each split point until wasm-split-cli links it. */
const PLACEHOLDER = "__wasm_split_placeholder__";

/** Whether the module cargo linked has split points left to cut. */
export function hasSplitPoints(wasm) {
  return WebAssembly.Module.imports(new WebAssembly.Module(wasm)).some((i) => i.module === PLACEHOLDER);
}

/**
 * Splits the module cargo linked. Returns the glue (wasm-bindgen's, `--target web`, importing
 * the loader as `./__wasm_split.js`), the main module (not yet optimised), the loader (which
 * imports the glue as `./main.js` and fetches each split module by its file name) and the split
 * modules, `{ file, wasm }`, in file-name order.
 */
export async function splitModule(cargoWasm, { wasmSplit = "wasm-split-cli", wasmBindgen = "wasm-bindgen" } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "wasm-split-"));
  try {
    const input = join(dir, "linked.wasm");
    await writeFile(input, cargoWasm);
    const split = join(dir, "split");
    await run(wasmSplit, [input, split, "--out-name", "main"], { maxBuffer: 16 * 2 ** 20 });
    const bound = join(dir, "bound");
    await run(wasmBindgen, [
      "--target", "web",
      "--keep-lld-exports",
      "--no-typescript",
      "--out-dir", bound,
      "--out-name", "main",
      join(split, "main.wasm"),
    ]);
    const made = await readdir(bound);
    const expected = ["main.js", "main_bg.wasm"];
    if (made.some((f) => !expected.includes(f))) {
      // A snippet (inline JS) would need its own files carried over: none is used today.
      throw new Error(`wasm-split: wasm-bindgen wrote ${made.join(", ")}, not only ${expected.join(", ")}`);
    }
    const modules = (await readdir(split)).filter((f) => f.endsWith(".wasm") && f !== "main.wasm").sort();
    if (modules.length === 0) throw new Error("wasm-split: wasm-split-cli cut no module out");
    return {
      glue: await readFile(join(bound, "main.js"), "utf8"),
      wasm: await readFile(join(bound, "main_bg.wasm")),
      loader: await readFile(join(split, "__wasm_split.js"), "utf8"),
      modules: await Promise.all(modules.map(async (file) => ({ file, wasm: await readFile(join(split, file)) }))),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `js` with the string literal `"./from"` (either quote) replaced by `"./to"`; throws unless it
 * is there exactly once (a file this does not understand fails the build instead of loading a
 * panel that cannot start).
 */
export function swapPath(js, from, to) {
  const literal = new RegExp(`(["'])\\./${escape(from)}\\1`, "g");
  const found = (js.match(literal) ?? []).length;
  if (found !== 1) throw new Error(`wasm-split: ./${from} is named ${found} times, not 1`);
  return js.replace(literal, (_, quote) => `${quote}./${to}${quote}`);
}

/**
 * `js` with its module imports of `./from` (`from "./from"`, `import "./from"`) importing `./to`;
 * a string equal to it elsewhere (wasm-bindgen's imports object is keyed by the wasm's import
 * module, which keeps its name) is left. Throws unless there is one such import at least.
 */
export function swapImport(js, from, to) {
  const literal = new RegExp(`((?:\\bfrom|\\bimport)\\s*)(["'])\\./${escape(from)}\\2`, "g");
  if (!literal.test(js)) throw new Error(`wasm-split: nothing imports ./${from}`);
  return js.replace(literal, (_, keyword, quote) => `${keyword}${quote}./${to}${quote}`);
}

/** The relative files (`"./name"`) a piece of JS names. */
export const pathsNamed = (js) => [...js.matchAll(/(["'])\.\/([^"']+)\1/g)].map((m) => m[2]);
