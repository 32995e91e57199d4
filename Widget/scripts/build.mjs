// Bundles the three entry points (file names fixed: the Api serves them and adds the content hash itself) and
// reports their sizes; fails when what a v2 visitor downloads (loader + app, gzip) is over the budget.
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const BUDGET_GZIP_BYTES = 25 * 1024;
const entries = { loader: "src/loader.ts", app: "src/app.ts", v1: "src/v1.ts" };

mkdirSync("dist", { recursive: true });
await build({
  entryPoints: entries,
  outdir: "dist",
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
}).then((result) => writeFileSync("dist/meta.json", JSON.stringify(result.metafile)));

const files = {};
for (const name of Object.keys(entries)) {
  const bytes = readFileSync(`dist/${name}.js`);
  files[`${name}.js`] = {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
const loaderAndAppGzip = files["loader.js"].gzip + files["app.js"].gzip;
const report = { files, loaderAndAppGzip, budgetGzip: BUDGET_GZIP_BYTES };
writeFileSync("dist/size.json", JSON.stringify(report, null, 2) + "\n");

const kb = (n) => `${(n / 1024).toFixed(2)} KB`.padStart(10);
console.log("file          raw      gzip    brotli");
for (const [name, size] of Object.entries(files)) console.log(`${name.padEnd(10)}${kb(size.raw)}${kb(size.gzip)}${kb(size.brotli)}`);
console.log(`loader + app gzip: ${kb(loaderAndAppGzip).trim()} (budget ${kb(BUDGET_GZIP_BYTES).trim()})`);
if (loaderAndAppGzip > BUDGET_GZIP_BYTES) {
  console.error("Over the size budget: loader + app must stay within 25 KB gzip.");
  process.exit(1);
}
