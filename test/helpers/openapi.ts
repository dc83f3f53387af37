import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import formats from "ajv-formats";

/**
 * Validates values against FreeClimb's published OpenAPI schemas (test/fixtures/freeclimb/openapi.json,
 * a copy kept with its provenance). Use it to check that what Belay emits is what FreeClimb documents:
 *
 *   const errors = validate("RecordWebhook", JSON.parse(body)); // [] when valid
 *
 * OpenAPI 3.0 is not quite JSON Schema: `nullable: true` is rewritten to a JSON Schema null type,
 * `discriminator` is dropped (ajv can only use it beside oneOf), and documentation-only keywords
 * (`example`, `x-…`, `deprecated`) are ignored through `strict: false`.
 */

const OPENAPI_URL = new URL("../fixtures/freeclimb/openapi.json", import.meta.url);
const DOCUMENT_ID = "freeclimb-openapi";

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rewrites one OpenAPI 3.0 schema (deeply) into plain JSON Schema. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "nullable" || key === "discriminator") continue;
    // `properties` maps names to schemas: rewrite each value, never treat a name as a keyword.
    out[key] = key === "properties" && isObject(value) ? mapValues(value, toJsonSchema) : toJsonSchema(value);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  // A $ref (whose siblings OpenAPI 3.0 ignores) or a composition: null is one more alternative.
  return { anyOf: [out, { type: "null" }] };
}

function mapValues(object: JsonObject, fn: (value: unknown) => unknown): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) out[key] = fn(value);
  return out;
}

function loadSchemas(): JsonObject {
  const document: unknown = JSON.parse(readFileSync(OPENAPI_URL, "utf8"));
  const schemas =
    isObject(document) && isObject(document.components) ? document.components.schemas : undefined;
  if (!isObject(schemas)) throw new Error(`${OPENAPI_URL.pathname} has no components.schemas`);
  return schemas;
}

const rawSchemas = loadSchemas();
const ajv = new Ajv({ strict: false, allErrors: true });
formats.default(ajv);
ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas: mapValues(rawSchemas, toJsonSchema) } });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schemaName: string): ValidateFunction {
  let validator = compiled.get(schemaName);
  if (validator === undefined) {
    if (!Object.hasOwn(rawSchemas, schemaName)) throw new Error(`openapi.json has no schema "${schemaName}"`);
    validator = ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/${schemaName}` });
    compiled.set(schemaName, validator);
  }
  return validator;
}

/** Errors of `value` against components.schemas[schemaName], e.g. "/recordingId must be string"; [] when valid. */
export function validate(schemaName: string, value: unknown): string[] {
  const validator = validatorFor(schemaName);
  if (validator(value)) return [];
  return (validator.errors ?? []).map(
    (error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`,
  );
}

/** The property names a schema declares, through $ref and allOf, sorted. */
export function schemaProperties(schemaName: string): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (!isObject(node)) return;
    if (typeof node.$ref === "string") visit(rawSchemas[node.$ref.replace("#/components/schemas/", "")]);
    if (isObject(node.properties)) for (const name of Object.keys(node.properties)) names.add(name);
    if (Array.isArray(node.allOf)) for (const part of node.allOf) visit(part);
  };
  if (!Object.hasOwn(rawSchemas, schemaName)) throw new Error(`openapi.json has no schema "${schemaName}"`);
  visit(rawSchemas[schemaName]);
  return [...names].sort();
}
