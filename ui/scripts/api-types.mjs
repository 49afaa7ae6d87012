// The API's types for the UI: src/api.gen.ts generated from openapi.json
// (the document `herald openapi` prints) by openapi-typescript.
//
//   node scripts/api-types.mjs            writes src/api.gen.ts (npm run generate)
//   node scripts/api-types.mjs --check    fails when src/api.gen.ts is not what
//                                         openapi.json gives (npm run build runs it)
//
// crates/ui/tests/openapi_file.rs fails when openapi.json is not what the
// Rust code describes; together they keep the UI's types honest.
import { readFile, writeFile } from "node:fs/promises";
import openapiTS, { astToString } from "openapi-typescript";

const source = new URL("../openapi.json", import.meta.url);
const target = new URL("../src/api.gen.ts", import.meta.url);

const HEADER = `// Generated from ui/openapi.json by openapi-typescript (npm run generate):
// do not edit. src/api.ts names these types for the rest of the UI.

`;

const generated = HEADER + astToString(await openapiTS(source, { silent: true }));

if (process.argv.includes("--check")) {
  const committed = await readFile(target, "utf8").catch(() => "");
  if (committed !== generated) {
    console.error("api-types: src/api.gen.ts is not what openapi.json gives: run `npm run generate` (in ui/) and commit it");
    process.exit(1);
  }
} else {
  await writeFile(target, generated);
}
