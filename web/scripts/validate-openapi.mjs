#!/usr/bin/env node
// Validates an OpenAPI document (default: docs/openapi.yaml) with @seriousme/openapi-schema-validator:
// the document against the official JSON Schema of its OpenAPI version (3.1 here), then every $ref
// it makes. Exit 0 and one line "ok: …" when valid; exit 1 and one line per problem (the JSON
// pointer into the document, then what is wrong) when not; exit 2 when it cannot run at all.
// Run by `make test` (ctest: openapi_valid) and by `npm run validate-openapi` in web/.
import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { argv, exit } from "node:process";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const file = resolve(argv[2] ?? resolve(here, "../../docs/openapi.yaml"));
// Named from the repository's root whatever the working directory (ctest runs in build/).
const fromRoot = relative(resolve(here, "../.."), file);
const shown = fromRoot && !fromRoot.startsWith("..") ? fromRoot : file;

if (!existsSync(file)) {
  console.error(`validate-openapi: ${shown} does not exist`);
  exit(2);
}

let Validator;
try {
  ({ Validator } = await import("@seriousme/openapi-schema-validator"));
} catch (e) {
  console.error(
    `validate-openapi: the validator is not installed (${e.code ?? e.message}); ` +
      "run scripts/install-deps, which runs `npm ci` in web/",
  );
  exit(2);
}

const validator = new Validator();
const result = await validator.validate(file);
if (result.valid) {
  const paths = Object.keys(validator.specification?.paths ?? {}).length;
  console.log(
    `ok: ${shown} is a valid OpenAPI ${validator.version} document (${paths} paths, every $ref resolves)`,
  );
  exit(0);
}

console.error(`FAILED: ${shown} is not a valid OpenAPI ${validator.version ?? ""} document:`);
if (typeof result.errors === "string") {
  console.error(`  ${result.errors}`);
} else {
  for (const e of result.errors ?? []) {
    // instancePath is a JSON pointer: "/paths/~1healthz/get" is paths → /healthz → get.
    const where = e.instancePath === "" ? "(document root)" : e.instancePath;
    const params = Object.entries(e.params ?? {})
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(", ");
    console.error(`  ${where}: ${e.message}${params ? ` (${params})` : ""}`);
  }
}
exit(1);
