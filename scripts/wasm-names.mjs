// Shortens the names the wasm module and its wasm-bindgen JS glue share, for the release hook
// (scripts/minify-glue.mjs): every import (`./panel_bg.js` / `__wbg_body_5f971cbc6950ca4f`,
// ~200 of them, each with a hash the compressors cannot shrink, once in the wasm and once in the
// glue) and the closure-invoking exports (`wasm_bindgen_<hash>___convert__closures_____invoke…`,
// hundreds of characters each). Other exports keep their names: the page's loader and the
// benchmarks read `memory`, wasm-bindgen's runtime its `__wbindgen_*`.
//
// Only the import and export sections change; every other section is copied byte for byte (a
// wasm section holds no offset into another). The glue is checked before it is rewritten: each
// import is named exactly once (its key in the imports object), each renamed export is read as
// a property (`wasm.name`), so a glue this does not understand fails the build
// instead of loading a panel that cannot start.

const IMPORT_SECTION = 2;
const EXPORT_SECTION = 7;

function readU32(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at];
    at += 1;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, at];
    if (shift > 35) throw new Error("wasm-names: malformed LEB128");
  }
}

function u32(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

function readName(bytes, at) {
  const [length, start] = readU32(bytes, at);
  return [fromUtf8.decode(bytes.subarray(start, start + length)), start + length];
}

function name(text) {
  const encoded = utf8.encode(text);
  return [...u32(encoded.length), ...encoded];
}

/** `at` past a table's or memory's limits (flags, minimum, maximum if flagged, page size if
 *  flagged). */
function skipLimits(bytes, at) {
  const flags = bytes[at];
  at += 1;
  [, at] = readU32(bytes, at);
  if (flags & 0x01) [, at] = readU32(bytes, at);
  if (flags & 0x08) [, at] = readU32(bytes, at);
  return at;
}

/** `at` past an import's description (its kind and what that kind carries). */
function skipImportDesc(bytes, at) {
  const kind = bytes[at];
  at += 1;
  switch (kind) {
    case 0x00: // function: its type index
      return readU32(bytes, at)[1];
    case 0x01: // table: its element type, then its limits
      return skipLimits(bytes, at + 1);
    case 0x02: // memory
      return skipLimits(bytes, at);
    case 0x03: // global: its value type and mutability
      return at + 2;
    case 0x04: // tag: its attribute and type index
      return readU32(bytes, at + 1)[1];
    default:
      throw new Error(`wasm-names: unknown import kind ${kind}`);
  }
}

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

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The wasm module with short import and invoker-export names, and the glue that uses them.
 * Throws when the glue does not use a name the way it expects.
 */
export function shortenNames(wasm, glue) {
  const bytes = new Uint8Array(wasm);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("wasm-names: not a wasm module");
  }
  const importNames = shortNames();
  const exportNames = shortNames();
  const modules = new Map();
  const imports = new Map();
  const exports = new Map();
  const out = [bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = readU32(bytes, at + 1);
    const end = start + size;
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
          if (!modules.has(module)) modules.set(module, `m${modules.size}`);
          const key = `${module}\0${field}`;
          if (!imports.has(key)) imports.set(key, { module, field, short: importNames.next().value });
          payload.push(...name(modules.get(module)), ...name(imports.get(key).short));
          payload.push(...bytes.subarray(descStart, p));
        } else {
          let exported;
          [exported, p] = readName(bytes, p);
          const descStart = p;
          p = readU32(bytes, p + 1)[1];
          const short = isInvoker(exported) ? `$${exportNames.next().value}` : exported;
          if (short !== exported) exports.set(exported, short);
          payload.push(...name(short), ...bytes.subarray(descStart, p));
        }
      }
      if (p !== end) throw new Error(`wasm-names: section ${id} has ${end - p} bytes left over`);
      out.push(Uint8Array.from([id, ...u32(payload.length), ...payload]));
    } else {
      out.push(bytes.subarray(at, end));
    }
    at = end;
  }

  let js = glue;
  for (const [module, short] of modules) {
    const literal = JSON.stringify(module);
    const uses = js.split(literal).length - 1;
    if (uses !== 1) throw new Error(`wasm-names: the glue names module ${literal} ${uses} times, not once`);
    js = js.replace(literal, JSON.stringify(short));
  }
  for (const { field, short } of imports.values()) {
    const key = new RegExp(`(?<![\\w$])${escape(field)}(?=\\s*:)`, "g");
    const all = new RegExp(`(?<![\\w$])${escape(field)}(?![\\w$])`, "g");
    const keys = js.match(key)?.length ?? 0;
    const uses = js.match(all)?.length ?? 0;
    if (keys !== 1 || uses !== 1) {
      throw new Error(`wasm-names: the glue names import ${field} ${uses} times (${keys} as a key), not once as a key`);
    }
    js = js.replace(key, short);
  }
  for (const [exported, short] of exports) {
    // Read as `wasm.name`; the glue's function of the same name is module-local (terser renames
    // it), so only the reads change.
    const property = new RegExp(`\\.${escape(exported)}(?![\\w$])`, "g");
    if (!property.test(js)) throw new Error(`wasm-names: the glue never reads export ${exported}`);
    js = js.replace(property, `.${short}`);
  }
  return { wasm: Buffer.concat(out), glue: js, renamed: imports.size + exports.size };
}
