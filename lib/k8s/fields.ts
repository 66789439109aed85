// Reading API objects' fields at the edge: typed values, or a ViewError naming the field and the bad value.

/** An API object lacks a field k8s-ovs needs, or has a value it cannot use. */
export class ViewError extends Error {
  override name = 'ViewError';
}

export type Fields = Record<string, unknown>;

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function section(object: Fields, field: string, path: string): Fields {
  const value = object[field];
  if (value === undefined || value === null) return {};
  if (!isFields(value)) throw new ViewError(`${path}: expected an object, got ${JSON.stringify(value)}`);
  return value;
}

export function text(object: Fields, field: string, path: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value === '') throw new ViewError(`${path}: expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalText(object: Fields, field: string, path: string): string | null {
  const value = object[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new ViewError(`${path}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

export function stringMap(object: Fields, field: string, path: string): Record<string, string> {
  const map = section(object, field, path);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') throw new ViewError(`${path}.${key}: expected a string, got ${JSON.stringify(value)}`);
    result[key] = value;
  }
  return result;
}

export function root(object: unknown): { metadata: Fields; spec: Fields; status: Fields } {
  if (!isFields(object)) throw new ViewError(`object: expected an API object, got ${JSON.stringify(object)}`);
  return {
    metadata: section(object, 'metadata', 'metadata'),
    spec: section(object, 'spec', 'spec'),
    status: section(object, 'status', 'status'),
  };
}

