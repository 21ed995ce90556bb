// Orders a wasm module's functions for the compressors, for the release hook
// (scripts/minify-glue.mjs). A compressor finds a repeat only within its window behind the
// current byte (gzip: 32 KiB), and the optimised panel is thousands of functions of which many
// are near copies (instantiations of one generic); in the linker's order they lie far apart.
// Placing each function after the ones whose byte sequences it shares shrinks the gzipped wasm
// by ≈ 6 % and the brotli one by ≈ 3 % (2026-12-03: 349,304 → 327,197 B gzip -9, 270,921 →
// 262,950 B brotli; 910,001 → 910,015 B raw).
//
// The order is chosen here, greedily: the next function is the unplaced one whose 6-byte
// sequences are most covered by the last 32 KiB already placed (a sequence shared by more than
// a quarter of all functions is ignored: any order has it nearby). It is deterministic: the same
// module gives the same order. Binaryen then moves the functions (`--reorder-functions-by-name`
// on a name section written here that names each function by its rank, which binaryen does not
// write back) and renumbers every reference to them. Binaryen writes the module anew: the
// same imports, exports, table and data, each function doing what it did (unless told to drop
// what nothing reaches: then imports, globals and functions may go); its writer may re-encode a
// body (its locals' declarations, its stack code), which the size guard below bounds.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { name, readName, readU32, sections, skipImportDesc, u32 } from "./wasm-bytes.mjs";

const IMPORT_SECTION = 2;
const CODE_SECTION = 10;
const CUSTOM_SECTION = 0;

/** How the order is chosen (measured on the panel, 2026-12-03: 5- to 8-byte sequences and
 *  16 to 64 KiB windows are within 0.5 % of each other). */
export const SEQUENCE = 6;
export const WINDOW = 32 * 1024;
export const COMMON = 0.25;

/** The module's function imports (they come before the defined functions in the index space)
 *  and the bodies of its defined functions, in order. */
export function functions(bytes) {
  let imported = 0;
  let bodies = [];
  for (const { id, start, end } of sections(bytes)) {
    let p = start;
    let count;
    if (id === IMPORT_SECTION) {
      [count, p] = readU32(bytes, p);
      for (let i = 0; i < count; i += 1) {
        [, p] = readName(bytes, p);
        [, p] = readName(bytes, p);
        if (bytes[p] === 0x00) imported += 1;
        p = skipImportDesc(bytes, p);
      }
    } else if (id === CODE_SECTION) {
      [count, p] = readU32(bytes, p);
      bodies = [];
      for (let i = 0; i < count; i += 1) {
        let size;
        [size, p] = readU32(bytes, p);
        bodies.push(bytes.subarray(p, p + size));
        p += size;
      }
    } else {
      continue;
    }
    if (p !== end) throw new Error(`wasm: section ${id} has ${end - p} bytes left over`);
  }
  return { imported, bodies };
}

/** The order (indices among the defined functions) to place `bodies` in. */
export function chooseOrder(bodies) {
  const n = bodies.length;
  // Each function's distinct byte sequences, as ids.
  const ids = new Map();
  const sequences = bodies.map((body) => {
    const own = new Set();
    for (let i = 0; i + SEQUENCE <= body.length; i += 1) {
      let key = 0;
      for (let j = 0; j < SEQUENCE; j += 1) key = key * 256 + body[i + j];
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      own.add(id);
    }
    return own;
  });
  const shared = new Int32Array(ids.size);
  for (const own of sequences) for (const id of own) shared[id] += 1;
  const tooCommon = Math.max(2, Math.floor(n * COMMON));
  // Only sequences that some but not most functions share tell functions apart.
  const telling = sequences.map((own) => Int32Array.from([...own].filter((id) => shared[id] > 1 && shared[id] <= tooCommon)));
  const holders = Array.from({ length: ids.size }, () => []);
  telling.forEach((own, f) => {
    for (const id of own) holders[id].push(f);
  });
  // covered[f]: how many of f's telling sequences the window holds.
  const covered = new Int32Array(n);
  const inWindow = new Int32Array(ids.size);
  const enter = (f) => {
    for (const id of telling[f]) if (inWindow[id]++ === 0) for (const g of holders[id]) covered[g] += 1;
  };
  const leave = (f) => {
    for (const id of telling[f]) if (--inWindow[id] === 0) for (const g of holders[id]) covered[g] -= 1;
  };
  const placed = new Uint8Array(n);
  const order = [];
  const window = [];
  let windowBytes = 0;
  let nextInLinkerOrder = 0;
  let current = 0;
  while (n > 0) {
    placed[current] = 1;
    order.push(current);
    enter(current);
    window.push(current);
    windowBytes += bodies[current].length;
    while (windowBytes - bodies[window[0]].length > WINDOW) {
      const old = window.shift();
      windowBytes -= bodies[old].length;
      leave(old);
    }
    if (order.length === n) break;
    let best = -1;
    let bestShare = 0;
    for (let g = 0; g < n; g += 1) {
      if (placed[g] || telling[g].length === 0) continue;
      const share = covered[g] / telling[g].length;
      if (share > bestShare) {
        bestShare = share;
        best = g;
      }
    }
    if (best < 0) {
      // Nothing left shares a sequence with the window: the next in the linker's order.
      while (placed[nextInLinkerOrder]) nextInLinkerOrder += 1;
      best = nextInLinkerOrder;
    }
    current = best;
  }
  return order;
}

/** `wasm` with its name section replaced by one naming each defined function after its rank in
 *  `order` (`f000000`, …) and each imported one `a…`: sorting by name puts them in that order. */
export function withRankNames(wasm, imported, order) {
  const bytes = new Uint8Array(wasm);
  const width = String(Math.max(order.length, imported)).length;
  const names = new Map();
  for (let i = 0; i < imported; i += 1) names.set(i, `a${String(i).padStart(width, "0")}`);
  order.forEach((f, rank) => names.set(imported + f, `f${String(rank).padStart(width, "0")}`));
  const entries = [...names.keys()].sort((a, b) => a - b).flatMap((index) => [...u32(index), ...name(names.get(index))]);
  const functionNames = [...u32(names.size), ...entries];
  const payload = [...name("name"), 1, ...u32(functionNames.length), ...functionNames];
  const out = [bytes.subarray(0, 8)];
  for (const { id, at, start, end } of sections(bytes)) {
    if (id === CUSTOM_SECTION && readName(bytes, start)[0] === "name") continue;
    out.push(bytes.subarray(at, end));
  }
  out.push(Uint8Array.from([CUSTOM_SECTION, ...u32(payload.length), ...payload]));
  return Buffer.concat(out);
}

const WASM_OPT = fileURLToPath(new URL("../node_modules/.bin/wasm-opt", import.meta.url));
// The features the panel's module uses (Rust's wasm32 defaults); binaryen refuses a module
// that uses others rather than guess. Not --all-features: binaryen then writes encodings
// (compact imports) that browsers do not read yet.
const FEATURES = [
  "--enable-bulk-memory",
  "--enable-bulk-memory-opt",
  "--enable-reference-types",
  "--enable-sign-ext",
  "--enable-nontrapping-float-to-int",
  "--enable-multivalue",
  "--enable-mutable-globals",
];

/** `wasm` as binaryen's wasm-opt (`wasmOpt`) writes it with `args`. */
export async function binaryen(wasm, args, wasmOpt = WASM_OPT) {
  const dir = await mkdtemp(join(tmpdir(), "wasm-opt-"));
  try {
    const [input, output] = [join(dir, "in.wasm"), join(dir, "out.wasm")];
    await writeFile(input, wasm);
    await promisify(execFile)(wasmOpt, [...args, input, "-o", output]);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many bytes binaryen's rewrite may add (it added 14 to the panel). */
const GROWTH_ALLOWED = 1024;

/**
 * `wasm` with its functions in the order `chooseOrder` picks, moved by binaryen's wasm-opt;
 * with `dropUnused`, binaryen also drops the functions, imports and globals that no export,
 * table or other kept function reaches.
 */
export async function orderForCompression(wasm, { dropUnused = false, wasmOpt = WASM_OPT } = {}) {
  const { imported, bodies } = functions(new Uint8Array(wasm));
  const order = chooseOrder(bodies);
  // No pass runs but the reordering (and, asked, the dropping). The levels are those of the
  // optimised build: with them binaryen's writer optimises each function's stack code as it
  // writes it, as it did then; without them the panel grows by 2.5 kB. Without `-g` it writes
  // no name section.
  const args = [
    ...FEATURES,
    "--optimize-level=2",
    "--shrink-level=2",
    ...(dropUnused ? ["--remove-unused-module-elements"] : []),
    "--reorder-functions-by-name",
  ];
  const ordered = await binaryen(withRankNames(wasm, imported, order), args, wasmOpt);
  const after = functions(new Uint8Array(ordered));
  const same = after.imported === imported && after.bodies.length === bodies.length;
  const fewer = after.imported <= imported && after.bodies.length <= bodies.length;
  if (!(dropUnused ? fewer : same)) {
    throw new Error("wasm-order: wasm-opt changed the module's functions, not only their order");
  }
  // The same exports, in the same order; no import that was not there.
  const [inModule, outModule] = [new WebAssembly.Module(wasm), new WebAssembly.Module(ordered)];
  const key = (i) => `${i.module}/${i.name}/${i.kind}`;
  const given = new Set(WebAssembly.Module.imports(inModule).map(key));
  if (
    JSON.stringify(WebAssembly.Module.exports(outModule)) !== JSON.stringify(WebAssembly.Module.exports(inModule)) ||
    WebAssembly.Module.imports(outModule).some((i) => !given.has(key(i)))
  ) {
    throw new Error("wasm-order: wasm-opt changed the module's exports or added an import");
  }
  if (ordered.length > wasm.length + GROWTH_ALLOWED) {
    throw new Error(`wasm-order: wasm-opt grew the module from ${wasm.length} to ${ordered.length} bytes`);
  }
  return { wasm: ordered, functions: after.bodies.length, dropped: bodies.length - after.bodies.length };
}
