// Shortens the names the wasm module and its wasm-bindgen JS glue share, for the release hook
// (scripts/minify-glue.mjs): the imports from the glue's own module (`./panel_bg.js` /
// `__wbg_body_5f971cbc6950ca4f`, ~200 of them, each with a hash the compressors cannot shrink,
// once in the wasm and once in the glue) and the closure-invoking exports
// (`wasm_bindgen_<hash>___convert__closures_____invoke…`, hundreds of characters each). Imports
// from any other module (a snippet, `wasm:js/string-constants`) and the other exports keep their
// names: wasm-bindgen's runtime reads its `__wbindgen_*`, the benchmarks `memory`.
//
// Only the import and export sections change; the other sections are copied byte for byte (no
// section holds an offset into another; function indices are unchanged, though code offsets in
// a stack trace move). The glue is checked as it is rewritten: each import's name appears once,
// as a key (`name:`), each renamed export is read as `wasm.name`; the caller checks that no old
// name is left once the glue is minified and that the module compiles. A glue this does not
// understand fails the build instead of loading a panel that cannot start.

import { name, readName, readU32, sections, skipImportDesc, skipLeb, u32 } from "./wasm-bytes.mjs";

const IMPORT_SECTION = 2;
const EXPORT_SECTION = 7;

/** Short names that are JS identifiers (`a`…`Z`, `aa`…), none a reserved word's spelling
 *  that matters: they are only ever property names. */
function* shortNames() {
  const first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const rest = `${first}0123456789_$`;
  for (let n = 0; ; n += 1) {
    let text = first[n % first.length];
    for (let k = Math.floor(n / first.length); k > 0; k = Math.floor((k - 1) / rest.length)) {
      text += rest[(k - 1) % rest.length];
    }
    yield text;
  }
}

/** Whether an export is one of wasm-bindgen's closure invokers, named after their types. */
const isInvoker = (exported) => /^wasm_bindgen_[0-9a-f]+___convert__closures/.test(exported);

/** Whether an import module is the glue's own (`./panel_bg.js`), the one the glue's imports
 *  object names once. */
const isGlueModule = (module) => /^\.\/[\w-]+_bg\.js$/.test(module);

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `pattern` with `NAMES` standing for any one of `names` (longest first), as a global regex. */
function wordsRegex(names, pattern) {
  const alternatives = names.map(escape).sort((a, b) => b.length - a.length).join("|");
  return new RegExp(pattern.replace("NAMES", alternatives), "g");
}

/** How many times `pattern` matches each of `names` in `js`. */
function countWords(js, names, pattern) {
  const counts = new Map(names.map((n) => [n, 0]));
  if (names.length === 0) return counts;
  for (const [, n] of js.matchAll(wordsRegex(names, pattern))) counts.set(n, counts.get(n) + 1);
  return counts;
}

/**
 * The wasm module with short import and invoker-export names, the glue that uses them, and the
 * old names (none of which may be left in the glue once it is minified). Throws when the glue
 * does not use a name the way it expects.
 */
export function shortenNames(wasm, glue) {
  const bytes = new Uint8Array(wasm);
  const importNames = shortNames();
  const exportNames = shortNames();
  const modules = new Map();
  const imports = new Map(); // field → short, of the glue module's imports
  const exports = new Map(); // invoker → short
  const exportsKept = new Set();
  const out = [bytes.subarray(0, 8)];
  for (const { id, at, start, end } of sections(bytes)) {
    if (id === IMPORT_SECTION || id === EXPORT_SECTION) {
      let p = start;
      let count;
      [count, p] = readU32(bytes, p);
      const payload = [...u32(count)];
      for (let i = 0; i < count; i += 1) {
        if (id === IMPORT_SECTION) {
          let module;
          let field;
          [module, p] = readName(bytes, p);
          [field, p] = readName(bytes, p);
          const descStart = p;
          p = skipImportDesc(bytes, p);
          if (isGlueModule(module)) {
            if (!modules.has(module)) modules.set(module, `m${modules.size}`);
            if (!imports.has(field)) imports.set(field, importNames.next().value);
            payload.push(...name(modules.get(module)), ...name(imports.get(field)));
          } else {
            payload.push(...name(module), ...name(field));
          }
          payload.push(...bytes.subarray(descStart, p));
        } else {
          let exported;
          [exported, p] = readName(bytes, p);
          const descStart = p;
          p = skipLeb(bytes, p + 1);
          let short = exported;
          if (isInvoker(exported)) {
            short = `$${exportNames.next().value}`;
            exports.set(exported, short);
          } else {
            exportsKept.add(exported);
          }
          payload.push(...name(short), ...bytes.subarray(descStart, p));
        }
      }
      if (p !== end) throw new Error(`wasm-names: section ${id} has ${end - p} bytes left over`);
      out.push(Uint8Array.from([id, ...u32(payload.length), ...payload]));
    } else {
      out.push(bytes.subarray(at, end));
    }
  }
  if (modules.size > 1) throw new Error(`wasm-names: more than one glue module: ${[...modules.keys()]}`);
  for (const short of exports.values()) {
    if (exportsKept.has(short)) throw new Error(`wasm-names: ${short} is an export already`);
  }

  let js = glue;
  for (const [module, short] of modules) {
    const literal = JSON.stringify(module);
    const uses = js.split(literal).length - 1;
    if (uses !== 1) throw new Error(`wasm-names: the glue names module ${literal} ${uses} times, not once`);
    js = js.replace(literal, () => JSON.stringify(short));
  }
  // Each import: its key in the imports object, its only use. Counted on the glue as written,
  // before any short name is in it.
  const fields = [...imports.keys()];
  const anyUse = "(?<![\\w$])(NAMES)(?![\\w$])";
  const asKey = "(?<![\\w$])(NAMES)(?=\\s*:)";
  const uses = countWords(js, fields, anyUse);
  const keys = countWords(js, fields, asKey);
  for (const f of fields) {
    if (uses.get(f) !== 1 || keys.get(f) !== 1) {
      throw new Error(`wasm-names: the glue names import ${f} ${uses.get(f)} times (${keys.get(f)} as a key), not once as a key`);
    }
  }
  if (fields.length > 0) js = js.replace(wordsRegex(fields, asKey), (f) => imports.get(f));
  // Each invoker: read as `wasm.name`; the glue's function of the same name is module-local
  // (terser renames it), so only the reads change.
  const invokers = [...exports.keys()];
  const asRead = "\\.(NAMES)(?![\\w$])";
  for (const [e, n] of countWords(js, invokers, asRead)) {
    if (n === 0) throw new Error(`wasm-names: the glue never reads export ${e}`);
  }
  if (invokers.length > 0) js = js.replace(wordsRegex(invokers, asRead), (_, e) => `.${exports.get(e)}`);
  return {
    wasm: Buffer.concat(out),
    glue: js,
    imports: imports.size,
    exports: exports.size,
    oldNames: [...modules.keys(), ...fields, ...invokers],
  };
}
