// scripts/wasm-order.mjs, the release hook's ordering of a module's functions for the
// compressors, on a module made here byte by byte: the order it picks, and that binaryen's move
// keeps what every function does (calls renumbered) with its imports and exports unchanged.
// (The e2e tests load the real panel ordered this way.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropUnreadExports } from '../../scripts/glue-exports.mjs';
import { chooseOrder, functions, orderForCompression, withRankNames } from '../../scripts/wasm-order.mjs';

const bytes = (text) => [...new TextEncoder().encode(text)];
const name = (text) => [bytes(text).length, ...bytes(text)];
const section = (id, payload) => [id, ...leb(payload.length), ...payload];
function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
const I32_CONST = 0x41;
const DROP = 0x1a;
const CALL = 0x10;
const ADD = 0x6a;
const END = 0x0b;
/** `i32.const value; drop`, eight times: a run two functions can share. */
const run = (value) => Array.from({ length: 8 }, () => [I32_CONST, ...leb(value), DROP]).flat();
const body = (code) => {
  const inner = [0, ...code, END]; // no locals
  return [...leb(inner.length), ...inner];
};

// One imported function (index 0), then thirteen defined ones (indices 1 to 13), each
// () -> i32. f0 returns 1 + f2(), by a call; f1, f5 and f7 share one run, f2, f4 and f8 another,
// f3, f6 and f9 a third; f10 to f12 share nothing. Each returns its own number.
const FAMILY = [null, 300, 500, 700, 500, 300, 700, 300, 500, 700, 900, 1100, 1300];
const RETURNS = [21, 10, 20, 30, 11, 22, 31, 12, 23, 32, 40, 41, 42];
const DEFINED = FAMILY.map((value, f) =>
  value === null ? [I32_CONST, 1, CALL, 3, ADD] : [...run(value), I32_CONST, ...leb(RETURNS[f])],
);
// The order the hook must pick: each family together, the rest in the linker's order. Not its
// own inverse (2 → 5 → 4 → 2), so a ranking read backwards places them elsewhere.
const ORDER = [0, 1, 5, 7, 2, 4, 8, 3, 6, 9, 10, 11, 12];

/** A name section naming the defined functions in reverse, as a build's names could: the hook
 *  must replace it, not sort by it. */
function oldNames() {
  const entries = DEFINED.flatMap((_, f) => [...leb(1 + f), ...name(`z${String(99 - f)}`)]);
  const map = [...leb(DEFINED.length), ...entries];
  return section(0, [...name('name'), 1, ...leb(map.length), ...map]);
}

function module() {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...section(2, [1, ...name('./panel_bg.js'), ...name('a'), 0x00, 0]),
    ...section(3, [DEFINED.length, ...DEFINED.map(() => 0)]),
    ...section(7, [DEFINED.length, ...DEFINED.flatMap((_, i) => [...name(`e${i}`), 0x00, 1 + i])]),
    ...section(10, [DEFINED.length, ...DEFINED.flatMap(body)]),
    ...oldNames(),
  ]);
}

const results = (wasm) => {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasm), { './panel_bg.js': { a: () => 0 } });
  return DEFINED.map((_, i) => exports[`e${i}`]());
};

test('puts each function after the ones it shares byte sequences with', () => {
  const { imported, bodies } = functions(module());
  assert.equal(imported, 1);
  assert.equal(bodies.length, DEFINED.length);
  assert.deepEqual(chooseOrder(bodies), ORDER);
});

/** The function names of a module's only name section, as [index, name] in the order listed. */
function nameMap(wasm) {
  const sections = WebAssembly.Module.customSections(new WebAssembly.Module(wasm), 'name');
  assert.equal(sections.length, 1, 'one name section');
  const b = new Uint8Array(sections[0]);
  let p = 0;
  const u = () => {
    let v = 0;
    let shift = 0;
    let x;
    do {
      x = b[p++];
      v |= (x & 0x7f) << shift;
      shift += 7;
    } while (x & 0x80);
    return v;
  };
  assert.equal(b[p++], 1, 'the function names subsection');
  u();
  const out = [];
  for (let n = u(); n > 0; n -= 1) {
    const index = u();
    const length = u();
    out.push([index, new TextDecoder().decode(b.subarray(p, p + length))]);
    p += length;
  }
  return out;
}

test('names each function after its rank, in place of the names it had', () => {
  const named = withRankNames(module(), 1, ORDER);
  const expected = [[0, 'a00'], ...DEFINED.map((_, f) => [1 + f, `f${String(ORDER.indexOf(f)).padStart(2, '0')}`])];
  assert.deepEqual(nameMap(named), expected);
  // Sorted by name, they are in ORDER.
  assert.deepEqual(expected.slice(1).sort((x, y) => (x[1] < y[1] ? -1 : 1)).map(([i]) => i - 1), ORDER);
});

test('binaryen moves the functions and renumbers the calls; imports and exports stay', async () => {
  const before = module();
  assert.deepEqual(results(before), RETURNS);
  const { wasm, functions: count } = await orderForCompression(before);
  assert.equal(count, DEFINED.length);
  // What each export returns is unchanged: f0's call now names f2 at its new index.
  assert.deepEqual(results(wasm), RETURNS);
  const compiled = new WebAssembly.Module(wasm);
  assert.deepEqual(WebAssembly.Module.imports(compiled), WebAssembly.Module.imports(new WebAssembly.Module(before)));
  assert.deepEqual(WebAssembly.Module.exports(compiled), WebAssembly.Module.exports(new WebAssembly.Module(before)));
  assert.equal(WebAssembly.Module.customSections(compiled, 'name').length, 0, 'no name section is written back');
  // Each place holds the function ORDER gives it (f0, the only one that calls, first: its call
  // index changed), byte for byte.
  const placed = functions(new Uint8Array(wasm)).bodies.map((b) => Buffer.from(b).toString('hex'));
  const original = functions(before).bodies.map((b) => Buffer.from(b).toString('hex'));
  assert.deepEqual(placed.slice(1), ORDER.slice(1).map((f) => original[f]));
});

test('refuses a module it cannot read', async () => {
  await assert.rejects(orderForCompression(Uint8Array.from(bytes('hello, world'))), /not a version 1 wasm module/);
});

test('with dropUnused, binaryen also drops a function nothing reaches', async () => {
  // e10's export gone (as the hook drops one the glue never reads): f10 is reached by nothing.
  const unexported = dropUnreadExports(module(), DEFINED.map((_, i) => (i === 10 ? '' : `wasm.e${i}();`)).join(' '));
  assert.deepEqual(unexported.dropped, ['e10']);
  const kept = await orderForCompression(unexported.wasm);
  assert.equal(kept.functions, DEFINED.length);
  const { wasm, functions: count, dropped } = await orderForCompression(unexported.wasm, { dropUnused: true });
  assert.equal(count, DEFINED.length - 1);
  assert.equal(dropped, 1);
  const bodies = functions(new Uint8Array(wasm)).bodies.map((b) => Buffer.from(b).toString('hex'));
  const f10 = Buffer.from(functions(module()).bodies[10]).toString('hex');
  assert.ok(!bodies.includes(f10), 'f10 is gone');
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasm), { './panel_bg.js': { a: () => 0 } });
  assert.deepEqual(DEFINED.map((_, i) => exports[`e${i}`]?.()), RETURNS.map((r, i) => (i === 10 ? undefined : r)));
});
