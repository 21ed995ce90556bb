// scripts/wasm-split.mjs's checks and rewrites, on small inputs: whether a linked module has
// split points left, and the renaming of the files the glue and the loader import and fetch.
// (The split itself runs in every release build; tests/e2e/on-demand.test.mjs loads its modules.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasSplitPoints, pathsNamed, swapImport, swapPath } from '../../scripts/wasm-split.mjs';

/** A module importing one function `field` from `module` (made byte by byte). */
function importing(module, field) {
  const name = (s) => [s.length, ...Buffer.from(s)];
  const section = (id, body) => [id, body.length, ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]), // one type: () -> ()
    ...section(2, [1, ...name(module), ...name(field), 0x00, 0]), // one function import, of that type
  ]);
}

test('a linked module has split points while it imports from the placeholder module', () => {
  assert.equal(hasSplitPoints(importing('__wasm_split_placeholder__', '__wasm_split_load_settings_view')), true);
  assert.equal(hasSplitPoints(importing('./__wasm_split.js', '__wasm_split_load_settings_view')), false);
  assert.equal(hasSplitPoints(importing('wbg', '__wbg_body')), false);
});

test('the imports of a file follow its new name; the same string as a key does not', () => {
  const glue = `import*as a from"./__wasm_split.js";import * as b from './__wasm_split.js';import "./__wasm_split.js";const i={"./__wasm_split.js":a,'./__wasm_split.js':b};`;
  assert.equal(
    swapImport(glue, '__wasm_split.js', 'panel-1-split.js'),
    `import*as a from"./panel-1-split.js";import * as b from './panel-1-split.js';import "./panel-1-split.js";const i={"./__wasm_split.js":a,'./__wasm_split.js':b};`,
  );
  assert.throws(() => swapImport('const i={"./__wasm_split.js":a}', '__wasm_split.js', 'x.js'), /nothing imports/);
  // A name that only looks like it: not an import of that file.
  assert.throws(() => swapImport('import a from"./__wasm_splitXjs"', '__wasm_split.js', 'x.js'), /nothing imports/);
});

test('a fetched file is renamed where it is named the number of times expected', () => {
  const loader = `fetch(new URL("./chunk_5.wasm",import.meta.url));fetch(new URL('./chunk_50.wasm',import.meta.url))`;
  const out = swapPath(loader, 'chunk_5.wasm', 'panel-view-ab.wasm');
  assert.equal(out, `fetch(new URL("./panel-view-ab.wasm",import.meta.url));fetch(new URL('./chunk_50.wasm',import.meta.url))`);
  assert.throws(() => swapPath(loader, 'chunk_6.wasm', 'x.wasm'), /named 0 times, not 1/);
  assert.throws(() => swapPath(`${loader}${loader}`, 'chunk_5.wasm', 'x.wasm'), /named 2 times, not 1/);
  assert.deepEqual(pathsNamed(out), ['panel-view-ab.wasm', 'chunk_50.wasm']);
});
