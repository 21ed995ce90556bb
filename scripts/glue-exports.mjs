// What the release hook (scripts/minify-glue.mjs) leaves out of the glue and the wasm because
// nothing uses it. wasm-bindgen exports a JS class for each `#[wasm_bindgen]` struct of any
// crate linked in (Leptos' server functions bring wasm-streams' three stream adapters, which
// the panel never makes), and the wasm exports the functions behind their methods. Of the
// glue's exports the page calls only `default` (and could `initSync`); Trunk's loader also puts
// the whole module on `window.wasmBindings`, which nothing reads. So a class that nothing else
// in the glue names is made module-local (terser then drops it, and it leaves
// `window.wasmBindings`), and the wasm's exports that the minified glue no longer names are
// dropped (binaryen then drops what only they reached).

import { name, readName, readU32, sections, skipLeb, u32 } from "./wasm-bytes.mjs";

const EXPORT_SECTION = 7;

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const words = (js, word) => js.match(new RegExp(`(?<![\\w$])${escape(word)}(?![\\w$])`, "g"))?.length ?? 0;

/**
 * `glue` with each exported class that only its own definition names made module-local: the
 * `export` dropped, its `Symbol.dispose` alias dropped (an assignment terser would keep), its
 * finalization registry marked pure. Classes the glue uses elsewhere stay as they are.
 */
export function unexportUnusedClasses(glue) {
  let js = glue;
  const dropped = [];
  for (const [, cls] of glue.matchAll(/^export class ([\w$]+) \{$/gm)) {
    const dispose = `if (Symbol.dispose) ${cls}.prototype[Symbol.dispose] = ${cls}.prototype.free;`;
    const disposeLines = js.split(`\n${dispose}\n`).length - 1;
    // Its definition, and the alias's two uses.
    if (disposeLines > 1 || words(js, cls) !== 1 + 2 * disposeLines) continue;
    const registry = `const ${cls}Finalization = (typeof FinalizationRegistry === 'undefined')`;
    js = js
      .replace(new RegExp(`^export class ${escape(cls)} \\{$`, "m"), `class ${cls} {`)
      .replace(`\n${dispose}\n`, "\n");
    if (js.includes(registry)) {
      const at = js.indexOf(registry);
      const next = js.indexOf("new FinalizationRegistry(", at);
      if (next > 0 && !js.slice(at, next).includes(";")) {
        js = `${js.slice(0, next)}/*#__PURE__*/ ${js.slice(next)}`;
      }
    }
    dropped.push(cls);
  }
  return { glue: js, classes: dropped };
}

/**
 * `wasm` without the exports `glue` (minified) never names, but `memory` (the benchmarks read
 * it from what the loader hands the page). An export named anywhere in the glue as a whole
 * word is kept, however it is read (`.name`, `["name"]`, `{ name }`). Answers the names
 * dropped.
 */
export function dropUnreadExports(wasm, glue) {
  const bytes = new Uint8Array(wasm);
  const out = [bytes.subarray(0, 8)];
  const dropped = [];
  for (const { id, at, start, end } of sections(bytes)) {
    if (id !== EXPORT_SECTION) {
      out.push(bytes.subarray(at, end));
      continue;
    }
    let p = start;
    let count;
    [count, p] = readU32(bytes, p);
    const kept = [];
    for (let i = 0; i < count; i += 1) {
      let exported;
      [exported, p] = readName(bytes, p);
      const desc = bytes.subarray(p, skipLeb(bytes, p + 1));
      p += desc.length;
      if (exported === "memory" || words(glue, exported) > 0) kept.push([...name(exported), ...desc]);
      else dropped.push(exported);
    }
    if (p !== end) throw new Error(`wasm: section ${id} has ${end - p} bytes left over`);
    const payload = [...u32(kept.length), ...kept.flat()];
    out.push(Uint8Array.from([id, ...u32(payload.length), ...payload]));
  }
  return { wasm: Buffer.concat(out), dropped };
}
