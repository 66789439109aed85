// PATCH bodies: JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386) and strategic merge patch without directives.
import { ApiError } from './api-error.js';
import type { JsonObject, JsonValue } from './types.js';
import { isJsonObject, jsonEqual } from './types.js';

export const patchContentTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;
export type PatchContentType = (typeof patchContentTypes)[number];

export function isPatchContentType(text: string): text is PatchContentType {
  return (patchContentTypes as readonly string[]).includes(text);
}

function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

export function applyPatch(target: JsonObject, contentType: PatchContentType, patch: unknown): JsonObject {
  const result =
    contentType === 'application/json-patch+json'
      ? applyJsonPatch(target, patch)
      : applyMergePatch(target, checkMergePatch(patch, contentType === 'application/strategic-merge-patch+json'));
  if (!isJsonObject(result)) throw unprocessable('the patch replaced the object with a non-object');
  return result;
}

/**
 * A strategic merge patch of maps and scalars is a merge patch; its list-merging directives
 * (`$patch`, `$setElementOrder`...) are refused rather than silently stored as fields.
 */
function checkMergePatch(patch: unknown, strategic: boolean): JsonValue {
  if (!isJsonObject(patch)) throw ApiError.badRequest('a merge patch must be a JSON object');
  const visit = (value: JsonValue | undefined): void => {
    if (Array.isArray(value)) value.forEach(visit);
    if (!isJsonObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (strategic && key.startsWith('$')) {
        throw ApiError.badRequest(`strategic merge patch directive "${key}" is not supported by the test API server`);
      }
      visit(child);
    }
  };
  visit(patch);
  return patch;
}

function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  from?: string | undefined;
  value?: JsonValue | undefined;
}

function parseOperation(candidate: unknown, index: number): Operation {
  const fields = isJsonObject(candidate) ? candidate : {};
  const { op, path, from } = fields;
  if (typeof op !== 'string' || typeof path !== 'string' || (from !== undefined && typeof from !== 'string')) {
    throw ApiError.badRequest(`JSON patch operation ${index} needs string "op" and "path": ${JSON.stringify(candidate)}`);
  }
  if (['add', 'replace', 'test'].includes(op) && !('value' in fields)) {
    throw ApiError.badRequest(`JSON patch operation ${index} (${op}) needs a "value"`);
  }
  return { op, path, from, value: fields.value };
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw ApiError.badRequest(`JSON pointer "${path}" must start with "/"`);
  return path.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonObject | JsonValue[];

/** The container holding the last token of `tokens`, and that token. */
function locate(document: JsonValue, tokens: string[], path: string): [Container, string] {
  let current: JsonValue | undefined = document;
  for (const token of tokens.slice(0, -1)) {
    current = Array.isArray(current) ? current[Number(token)] : isJsonObject(current) ? current[token] : undefined;
  }
  if (!Array.isArray(current) && !isJsonObject(current)) throw unprocessable(`path "${path}" does not exist`);
  return [current, tokens[tokens.length - 1]!];
}

function arrayIndex(list: JsonValue[], token: string, path: string, forInsert: boolean): number {
  const index = token === '-' && forInsert ? list.length : /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : -1;
  if (index < 0 || index > list.length || (!forInsert && index === list.length)) {
    throw unprocessable(`path "${path}": index "${token}" is out of range`);
  }
  return index;
}

function read(document: JsonValue, path: string): JsonValue {
  const tokens = pointer(path);
  if (tokens.length === 0) return document;
  const [container, key] = locate(document, tokens, path);
  const value = Array.isArray(container) ? container[arrayIndex(container, key, path, false)] : container[key];
  if (value === undefined) throw unprocessable(`path "${path}" does not exist`);
  return value;
}

function add(document: JsonValue, path: string, value: JsonValue): JsonValue {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const [container, key] = locate(document, tokens, path);
  if (Array.isArray(container)) container.splice(arrayIndex(container, key, path, true), 0, value);
  else container[key] = value;
  return document;
}

function remove(document: JsonValue, path: string): JsonValue {
  if (path === '') throw unprocessable('the whole document cannot be removed');
  read(document, path);
  const [container, key] = locate(document, pointer(path), path);
  if (Array.isArray(container)) container.splice(arrayIndex(container, key, path, false), 1);
  else delete container[key];
  return document;
}

function applyJsonPatch(target: JsonObject, patch: unknown): JsonValue {
  if (!Array.isArray(patch)) throw ApiError.badRequest('a JSON patch must be a JSON array of operations');
  let document: JsonValue = structuredClone(target);
  patch.forEach((candidate, index) => {
    const { op, path, from, value } = parseOperation(candidate, index);
    switch (op) {
      case 'add':
        document = add(document, path, structuredClone(value!));
        break;
      case 'remove':
        document = remove(document, path);
        break;
      case 'replace':
        document = path === '' ? structuredClone(value!) : add(remove(document, path), path, structuredClone(value!));
        break;
      case 'move': {
        const moved = read(document, from ?? '');
        document = add(remove(document, from ?? ''), path, moved);
        break;
      }
      case 'copy':
        document = add(document, path, structuredClone(read(document, from ?? '')));
        break;
      case 'test':
        if (!jsonEqual(read(document, path), value)) throw unprocessable(`testing value at "${path}" failed`);
        break;
      default:
        throw ApiError.badRequest(`unknown JSON patch operation "${op}"`);
    }
  });
  return document;
}
