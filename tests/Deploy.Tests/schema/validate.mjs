// Validates every object in the YAML files of a folder (recursively) against the Kubernetes JSON schema of its
// apiVersion and kind, with kubernetes-models (the models' validate() runs the OpenAPI schema of the kind).
// Usage: node validate.mjs <folder>. Prints one line per object ("ok <file> <kind>/<name>" or "invalid … : errors")
// and exits 1 when any object is invalid or of a kind it cannot validate, 2 on bad usage.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node validate.mjs <folder>");
  process.exit(2);
}

async function* yamlFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* yamlFiles(path);
    else if (entry.name.endsWith(".yaml") || entry.name.endsWith(".yml")) yield path;
  }
}

// apps/v1 → kubernetes-models/apps/v1/<Kind>; v1 (the core group) → kubernetes-models/v1/<Kind>.
async function modelFor(apiVersion, kind) {
  const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
  return module[kind];
}

let objects = 0;
let failures = 0;
for await (const file of yamlFiles(folder)) {
  const text = await readFile(file, "utf8");
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      console.log(`invalid ${relative(folder, file)}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      failures++;
      continue;
    }
    const data = document.toJS();
    if (data === null || data === undefined) continue;
    objects++;
    const name = `${data.kind}/${data.metadata?.name}`;
    let Model;
    try {
      Model = await modelFor(data.apiVersion, data.kind);
    } catch {
      Model = undefined;
    }
    if (!Model) {
      console.log(`invalid ${relative(folder, file)} ${name}: no schema for ${data.apiVersion} ${data.kind}`);
      failures++;
      continue;
    }
    try {
      new Model(data).validate();
      console.log(`ok ${relative(folder, file)} ${name}`);
    } catch (error) {
      const details = error.errors ? JSON.stringify(error.errors) : String(error.message ?? error);
      console.log(`invalid ${relative(folder, file)} ${name}: ${details}`);
      failures++;
    }
  }
}
console.log(`${objects} objects, ${failures} invalid`);
process.exit(failures > 0 || objects === 0 ? 1 : 0);
