// Reading and writing the parts of a wasm module's binary format that the release hook's
// rewrites need (scripts/wasm-names.mjs, scripts/glue-exports.mjs, scripts/wasm-order.mjs):
// LEB128 numbers, names, import descriptions, and the module's sections. A module these do not
// understand throws.

/** The sections of a version 1 module, in order: `{ id, at, start, end }`, where `at` is the
 *  section's first byte (its id) and `start`..`end` its payload. */
export function sections(bytes) {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || header.some((b, i) => bytes[i] !== b)) {
    throw new Error("wasm: not a version 1 wasm module");
  }
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = readU32(bytes, at + 1);
    const end = start + size;
    if (end > bytes.length) throw new Error(`wasm: section ${id} runs past the module's end`);
    out.push({ id, at, start, end });
    at = end;
  }
  return out;
}

export function readU32(bytes, at) {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) throw new Error("wasm: the module ends inside a number");
    const byte = bytes[at];
    at += 1;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) throw new Error("wasm: a u32 out of range");
      return [value, at];
    }
  }
  throw new Error("wasm: a u32 longer than 5 bytes");
}

/** `at` past a LEB128 number of any width (a memory64 limit, a heap type). */
export function skipLeb(bytes, at) {
  for (let n = 0; n < 10; n += 1) {
    if (at >= bytes.length) throw new Error("wasm: the module ends inside a number");
    if ((bytes[at++] & 0x80) === 0) return at;
  }
  throw new Error("wasm: a number longer than 10 bytes");
}

export function u32(value) {
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

export function readName(bytes, at) {
  const [length, start] = readU32(bytes, at);
  return [fromUtf8.decode(bytes.subarray(start, start + length)), start + length];
}

export function name(text) {
  const encoded = utf8.encode(text);
  return [...u32(encoded.length), ...encoded];
}

/** `at` past a table's or memory's limits (flags, minimum, maximum if flagged, page size if
 *  flagged); 64-bit limits are LEB128 numbers too. */
function skipLimits(bytes, at) {
  const flags = bytes[at];
  at = skipLeb(bytes, at + 1);
  if (flags & 0x01) at = skipLeb(bytes, at);
  if (flags & 0x08) at = skipLeb(bytes, at);
  return at;
}

/** `at` past a value or reference type: one byte, or a nullable/non-null reference (0x63,
 *  0x64) to a heap type (a signed LEB128). */
function skipType(bytes, at) {
  const type = bytes[at];
  return type === 0x63 || type === 0x64 ? skipLeb(bytes, at + 1) : at + 1;
}

/** `at` past an import's description (its kind and what that kind carries). */
export function skipImportDesc(bytes, at) {
  const kind = bytes[at];
  at += 1;
  switch (kind) {
    case 0x00: // function: its type index
      return skipLeb(bytes, at);
    case 0x01: // table: its element type, then its limits
      return skipLimits(bytes, skipType(bytes, at));
    case 0x02: // memory
      return skipLimits(bytes, at);
    case 0x03: // global: its value type and mutability
      return skipType(bytes, at) + 1;
    case 0x04: // tag: its attribute and type index
      return skipLeb(bytes, at + 1);
    default:
      throw new Error(`wasm: import kind ${kind} is not one this reads (compact imports?)`);
  }
}
