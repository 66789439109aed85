// Client-side validation of Kubernetes objects against the vendored 1.34 JSON schemas (test/schemas), strictly.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type OutputUnit, Validator } from '@cfworker/json-schema';
import { repoRoot } from './cluster.js';

const SCHEMA_DIR = path.join(repoRoot, 'test', 'schemas', 'kubernetes-1.34');

export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: string; namespace?: string };
  [field: string]: unknown;
}

type Schema = Record<string, unknown>;

/**
 * What kubectl's --validate=strict adds to the OpenAPI schema: an object that lists its properties accepts no
 * others (maps, which list none, stay open). Applied to every nested schema.
 */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    // The generator's "$schema" names no meta-schema a validator knows; the schemas are draft-04 style.
    if (key !== '$schema') out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strictSchema(v)])) : strictSchema(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** The vendored file for an apiVersion and kind: `<kind>-<first label of the group>-<version>.json`. */
export function schemaFile(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
  return `${kind.toLowerCase()}${group ? `-${group.split('.')[0]}` : ''}-${version}.json`;
}

// An interpreting validator: compiling these schemas to code (ajv) took seconds; walking them takes milliseconds.
const validators = new Map<string, Validator | null>();

function validatorFor(apiVersion: string, kind: string): Validator | null {
  const file = schemaFile(apiVersion, kind);
  if (!validators.has(file)) {
    let schema: unknown;
    try {
      schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));
    } catch {
      validators.set(file, null);
      return null;
    }
    validators.set(file, new Validator(strictSchema(schema) as object, '7', false));
  }
  return validators.get(file)!;
}

/** The errors that name the fault itself, not the enclosing "property x does not match" ones. */
function describe(label: string, unit: OutputUnit): string | undefined {
  const where = unit.instanceLocation.replace(/^#/, '') || '/';
  if (unit.keyword === 'properties' || unit.keyword === 'items' || unit.keyword === 'false') return undefined;
  if (unit.keyword === 'additionalProperties') {
    const field = /^Property "(.*)" does not match additional properties schema\.$/.exec(unit.error)?.[1] ?? unit.error;
    return `${label}: ${where}: unknown field "${field}"`;
  }
  return `${label}: ${where}: ${unit.error}`;
}

/** Every problem with one object, as `Kind/name: /path: message`; empty when it is valid. */
export function validateObject(object: KubeObject): string[] {
  const label = `${String(object.kind)}/${object.metadata?.name ?? '?'}`;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return [`${label}: apiVersion and kind must be strings`];
  const validator = validatorFor(object.apiVersion, object.kind);
  if (!validator) return [`${label}: ${object.apiVersion} ${object.kind} is not served by Kubernetes 1.34 (no schema ${schemaFile(object.apiVersion, object.kind)})`];
  // As the API server receives it: JSON (an undefined field is an absent one).
  const result = validator.validate(JSON.parse(JSON.stringify(object)) as object);
  return result.valid ? [] : result.errors.flatMap((unit) => describe(label, unit) ?? []);
}
