// scripts/wasm-order.mjs, the release hook's ordering of a module's functions for the
// compressors, on a module made here byte by byte: the order it picks, and that binaryen's move
// keeps what every function does (calls renumbered) with its imports and exports unchanged.
// (The e2e tests load the real panel ordered this way.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseOrder, functions, orderForCompression } from '../../scripts/wasm-order.mjs';

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

// One imported function (index 0), then five defined ones (indices 1 to 5), each () -> i32:
// f0 returns 1 + f2(), by a call; f1 and f3 share one run, f2 and f4 another.
const DEFINED = [
  [I32_CONST, 1, CALL, 3, ADD], // f0: call f2 (index 1 + 2)
  [...run(300), I32_CONST, 10], // f1
  [...run(500), I32_CONST, 20], // f2
  [...run(300), I32_CONST, 11], // f3
  [...run(500), I32_CONST, 22], // f4
];

function module() {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...section(2, [1, ...name('./panel_bg.js'), ...name('a'), 0x00, 0]),
    ...section(3, [DEFINED.length, ...DEFINED.map(() => 0)]),
    ...section(7, [DEFINED.length, ...DEFINED.flatMap((_, i) => [...name(`e${i}`), 0x00, 1 + i])]),
    ...section(10, [DEFINED.length, ...DEFINED.flatMap(body)]),
  ]);
}

const results = (wasm) => {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasm), { './panel_bg.js': { a: () => 0 } });
  return DEFINED.map((_, i) => exports[`e${i}`]());
};

test('puts each function after the ones it shares byte sequences with', () => {
  const { imported, bodies } = functions(module());
  assert.equal(imported, 1);
  assert.equal(bodies.length, 5);
  // f0 shares nothing: then f1 (the linker's next), f3 (its run), f2, f4 (its run).
  assert.deepEqual(chooseOrder(bodies), [0, 1, 3, 2, 4]);
});

test('binaryen moves the functions and renumbers the calls; imports and exports stay', async () => {
  const before = module();
  assert.deepEqual(results(before), [21, 10, 20, 11, 22]);
  const { wasm, functions: count } = await orderForCompression(before);
  assert.equal(count, 5);
  // What each export returns is unchanged: f0's call now names f2 at its new index.
  assert.deepEqual(results(wasm), [21, 10, 20, 11, 22]);
  const compiled = new WebAssembly.Module(wasm);
  assert.deepEqual(WebAssembly.Module.imports(compiled), WebAssembly.Module.imports(new WebAssembly.Module(before)));
  assert.deepEqual(WebAssembly.Module.exports(compiled), WebAssembly.Module.exports(new WebAssembly.Module(before)));
  assert.equal(WebAssembly.Module.customSections(compiled, 'name').length, 0, 'the rank names are stripped');
  // The code section holds f1 and f3 side by side now (f1, f3 and f2, f4 make no calls, so
  // their bodies are byte for byte the same).
  const placed = functions(new Uint8Array(wasm)).bodies.map((b) => Buffer.from(b).toString('hex'));
  const original = functions(before).bodies.map((b) => Buffer.from(b).toString('hex'));
  assert.deepEqual(placed.slice(1), [original[1], original[3], original[2], original[4]]);
});

test('refuses a module it cannot read', async () => {
  await assert.rejects(orderForCompression(Uint8Array.from(bytes('hello, world'))), /not a version 1 wasm module/);
});
