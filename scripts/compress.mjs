// Run by the Trunk post_build hook scripts/minify-glue.mjs once the glue is minified. In release
// builds it writes each asset's precompressed twins, `NAME.br` (brotli, quality 11) and `NAME.gz`
// (gzip -9), which the proxy serves to browsers that accept them (proxy/src/web.rs: ServeDir's
// precompressed_br and precompressed_gzip), so no request compresses the bundle. Node's own
// zlib: nothing to install.
// Debug builds are left as they are (the proxy gzips their assets per request).
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("compress: run me as a Trunk hook (no TRUNK_STAGING_DIR)");

// The page itself is not a static file (the proxy's route fills it in per request).
for (const name of (await readdir(dir)).filter((n) => /\.(wasm|js|css)$/.test(n))) {
  const path = join(dir, name);
  const bytes = await readFile(path);
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const gz = gzipSync(bytes, { level: 9 });
  await writeFile(`${path}.br`, br);
  await writeFile(`${path}.gz`, gz);
  console.log(`compress: ${name} ${bytes.length} → br ${br.length}, gz ${gz.length} bytes`);
}
