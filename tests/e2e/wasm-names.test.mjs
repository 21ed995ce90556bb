// scripts/wasm-names.mjs, the release hook's renaming of the names a wasm module and its
// wasm-bindgen glue share, on a module made here byte by byte: what it renames, what it keeps,
// and the glues it refuses. (The e2e tests load the real panel renamed this way.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortenNames } from '../../scripts/wasm-names.mjs';

const bytes = (text) => [...new TextEncoder().encode(text)];
const name = (text) => [bytes(text).length, ...bytes(text)];
const section = (id, payload) => [id, payload.length, ...payload];
const INVOKER = 'wasm_bindgen_0123abcd___convert__closures_____invoke___true_';

/** Three function imports (two from the glue's own module, one from a snippet) and two
 *  exports (a closure invoker and another), all of type () -> (). */
function module() {
  const imports = [
    ['./panel_bg.js', '__wbg_body_5f971cbc'],
    ['./panel_bg.js', '__wbg_parent_814ed906'],
    ['./snippets/s.js', 'keepMe'],
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(2, [imports.length, ...imports.flatMap(([m, f]) => [...name(m), ...name(f), 0x00, 0])]),
    ...section(7, [2, ...name(INVOKER), 0x00, 0, ...name('main'), 0x00, 1]),
  ]);
}

const GLUE = `import * as import1 from "./snippets/s.js";
const import0 = { __proto__: null, __wbg_body_5f971cbc: function() {}, __wbg_parent_814ed906: function() {} };
function ${INVOKER}() { wasm.${INVOKER}(); }
function getImports() { return { __proto__: null, "./panel_bg.js": import0, "./snippets/s.js": import1 }; }
`;

test('renames the glue module\'s imports and the invokers, in the module and the glue alike', () => {
  const out = shortenNames(module(), GLUE);
  const compiled = new WebAssembly.Module(out.wasm);
  assert.deepEqual(
    WebAssembly.Module.imports(compiled).map((i) => `${i.module}/${i.name}`),
    ['m0/a', 'm0/b', './snippets/s.js/keepMe'],
  );
  assert.deepEqual(WebAssembly.Module.exports(compiled).map((e) => e.name), ['$a', 'main']);
  assert.match(out.glue, /\{ __proto__: null, a: function\(\) \{\}, b: function\(\) \{\} \}/);
  assert.match(out.glue, /"m0": import0, "\.\/snippets\/s\.js": import1/);
  assert.match(out.glue, /wasm\.\$a\(\)/);
  assert.equal(out.imports, 2);
  assert.equal(out.exports, 1);
  // Only the invoker's own function keeps the old name (terser renames it, the hook checks).
  assert.deepEqual(
    out.oldNames.filter((old) => out.glue.includes(old)),
    [INVOKER],
  );
});

test('refuses a glue that names an import other than once as a key', () => {
  assert.throws(
    () => shortenNames(module(), `${GLUE}const again = import0.__wbg_body_5f971cbc;\n`),
    /names import __wbg_body_5f971cbc 2 times/,
  );
  assert.throws(
    () => shortenNames(module(), GLUE.replace('__wbg_parent_814ed906: function() {}', '')),
    /names import __wbg_parent_814ed906 0 times/,
  );
});

test('refuses a glue that never reads an invoker, or names its module twice', () => {
  assert.throws(() => shortenNames(module(), GLUE.replace(`wasm.${INVOKER}()`, '')), /never reads export/);
  assert.throws(() => shortenNames(module(), `${GLUE}"./panel_bg.js";\n`), /names module "\.\/panel_bg\.js" 2 times/);
});

test('refuses what is not a version 1 module, or a section that runs past the end', () => {
  assert.throws(() => shortenNames(Uint8Array.from(bytes('hello, world')), GLUE), /not a version 1 wasm module/);
  const cut = module().subarray(0, module().length - 3);
  assert.throws(() => shortenNames(cut, GLUE), /runs past the module's end/);
});
