// scripts/glue-exports.mjs, what the release hook leaves out of the glue and the wasm because
// nothing uses it: on a glue written as wasm-bindgen writes one and a module made here byte by
// byte. (The e2e tests load the real panel trimmed this way.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minify } from 'terser';
import { dropUnreadExports, unexportUnusedClasses } from '../../scripts/glue-exports.mjs';
import { sections } from '../../scripts/wasm-bytes.mjs';

/** A class as wasm-bindgen writes one, with its finalization registry and dispose alias. */
const cls = (name, body = '') => `export class ${name} {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ${name}Finalization.unregister(this);
        return ptr;
    }
    /**
     * @returns {Promise<any>}
     */
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_${name.toLowerCase()}_free(ptr, 0);
    }
    ${body}
}
if (Symbol.dispose) ${name}.prototype[Symbol.dispose] = ${name}.prototype.free;
`;
const registry = (name) => `const ${name}Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_${name.toLowerCase()}_free(ptr, 1));
`;

// Unused is named by nothing else; Used is returned by a function the page's code reaches.
const GLUE = `${cls('Unused')}
${cls('Used', 'static __wrap(ptr) { const obj = Object.create(Used.prototype); obj.__wbg_ptr = ptr; return obj; }')}
${registry('Unused')}${registry('Used')}
let wasm;
function __wbg_get_imports() { return { m0: { a: (p) => Used.__wrap(p) } }; }
function initSync(module) { wasm = new WebAssembly.Instance(module, __wbg_get_imports()).exports; return wasm; }
async function __wbg_init(module) { return initSync(module); }
export { initSync, __wbg_init as default };
`;

test('makes module-local the classes nothing else names, so terser drops them', async () => {
  const { glue, classes } = unexportUnusedClasses(GLUE);
  assert.deepEqual(classes, ['Unused']);
  assert.match(glue, /^class Unused \{$/m);
  assert.match(glue, /^export class Used \{$/m);
  assert.doesNotMatch(glue, /Unused\.prototype\[Symbol\.dispose\]/);
  assert.match(glue, /Used\.prototype\[Symbol\.dispose\] = Used\.prototype\.free;/);
  assert.match(glue, /: \/\*#__PURE__\*\/ new FinalizationRegistry\(ptr => wasm\.__wbg_unused_free/);
  const small = (await minify(glue, { module: true, compress: true, mangle: true })).code;
  assert.doesNotMatch(small, /__wbg_unused_free/);
  assert.match(small, /__wbg_used_free/);
  // Untouched, terser keeps both.
  const whole = (await minify(GLUE, { module: true, compress: true, mangle: true })).code;
  assert.match(whole, /__wbg_unused_free/);
});

test('leaves alone a class named anywhere else, even in a comment', () => {
  const glue = `${GLUE}// see Unused\n`;
  assert.deepEqual(unexportUnusedClasses(glue), { glue, classes: [] });
});

test('leaves alone a class with its dispose alias twice', () => {
  const dispose = 'if (Symbol.dispose) Unused.prototype[Symbol.dispose] = Unused.prototype.free;';
  const glue = `${GLUE}${dispose}\n`;
  assert.deepEqual(unexportUnusedClasses(glue).classes, []);
});

test('marks only a registry of the class\'s own statement pure', () => {
  // A registry made some other way: the next `new FinalizationRegistry(` is the Used class's,
  // past the end of Unused's statement, and stays as it is.
  const glue = GLUE.replace(
    /const UnusedFinalization = [^;]*;/,
    'const UnusedFinalization = (typeof FinalizationRegistry === \'undefined\') ? null : makeRegistry();',
  );
  const out = unexportUnusedClasses(glue);
  assert.deepEqual(out.classes, ['Unused']);
  assert.equal(out.glue.match(/__PURE__/g), null);
});

const bytes = (text) => [...new TextEncoder().encode(text)];
const name = (text) => [bytes(text).length, ...bytes(text)];
const section = (id, payload) => [id, payload.length, ...payload];

/** Three functions () -> (), exported as `read`, `unread` and `readable`, and a memory. */
function module() {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(3, [3, 0, 0, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [4, ...name('memory'), 0x02, 0, ...name('read'), 0x00, 0, ...name('unread'), 0x00, 1, ...name('readable'), 0x00, 2]),
    ...section(10, [3, 2, 0, 0x0b, 2, 0, 0x0b, 2, 0, 0x0b]),
  ]);
}

test('drops the exports the glue never names, and keeps memory', () => {
  // `readable` is read; `read` only as part of it, `unread` nowhere: a name counts whole.
  const { wasm, dropped } = dropUnreadExports(module(), 'const f = () => wasm.readable(); wasm.memory;');
  assert.deepEqual(dropped, ['read', 'unread']);
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(wasm));
  assert.deepEqual(exports.map((e) => e.name), ['memory', 'readable']);
  // memory stays even when the glue does not read it (the page's loader hands it on).
  assert.deepEqual(dropUnreadExports(module(), 'wasm.read(); wasm.unread(); wasm.readable();').dropped, []);
  assert.deepEqual(dropUnreadExports(module(), '').dropped, ['read', 'unread', 'readable']);
  // However the glue reads one, it stays.
  assert.deepEqual(dropUnreadExports(module(), 'wasm["read"]; const { unread } = wasm; wasm?.readable;').dropped, []);
});

test('refuses an export section with bytes left over', () => {
  // The export section one byte longer, the byte a custom section's would have been.
  const good = module();
  const { at, end } = sections(good).find((sec) => sec.id === 7);
  const bad = Uint8Array.from([...good.subarray(0, at + 1), good[at + 1] + 1, ...good.subarray(at + 2, end), 0, ...good.subarray(end)]);
  assert.throws(() => dropUnreadExports(bad, ''), /section 7 has 1 bytes left over/);
});
