// Query parameters of list, watch and delete requests, validated as the real server validates them.
import { ApiError } from './api-error.js';
import type { DeleteOptions } from './deletion.js';
import type { ResourceDescriptor } from './resources.js';
import { fieldSelectorValue } from './resources.js';
import type { FieldRequirement, LabelRequirement } from './selectors.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';
import { isJsonObject } from './types.js';

export interface Selection {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export function parseSelection(descriptor: ResourceDescriptor, params: URLSearchParams): Selection {
  const labels = parseLabelSelector(params.get('labelSelector') ?? '');
  const fields = parseFieldSelector(params.get('fieldSelector') ?? '');
  for (const { field } of fields) {
    if (!(field in descriptor.fieldLabels)) throw ApiError.badRequest(`field label not supported: ${field}`);
  }
  return { labels, fields };
}

/** Whether a list or watch of `descriptor` (in `namespace`, if given) includes `object`. */
export function selects(
  descriptor: ResourceDescriptor,
  selection: Selection,
  namespace: string | undefined,
  object: KubeObject,
): boolean {
  return (
    (namespace === undefined || object.metadata.namespace === namespace) &&
    matchesLabels(selection.labels, object.metadata.labels) &&
    matchesFields(selection.fields, (field) => fieldSelectorValue(descriptor, object, field))
  );
}

/** A resourceVersion parameter: undefined when unset or "0" (any version will do). */
export function parseResourceVersion(params: URLSearchParams): number | undefined {
  const text = params.get('resourceVersion') ?? '';
  if (text === '' || text === '0') return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) throw ApiError.badRequest(`invalid resource version "${text}"`);
  return Number(text);
}

export function isWatch(params: URLSearchParams): boolean {
  const value = params.get('watch');
  return value === 'true' || value === '1';
}

export function parseBoolean(params: URLSearchParams, name: string): boolean {
  const value = params.get(name);
  if (value === null || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw ApiError.badRequest(`${name}: invalid boolean "${value}"`);
}

/** A watch's timeoutSeconds; 0 means unset, for which the real server picks 30-60 minutes (never, here). */
export function parseTimeoutSeconds(params: URLSearchParams): number | undefined {
  const text = params.get('timeoutSeconds');
  if (text === null || text === '') return undefined;
  if (!/^[0-9]+$/.test(text)) throw ApiError.badRequest(`timeoutSeconds: invalid value "${text}"`);
  return Number(text) === 0 ? undefined : Number(text);
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw ApiError.badRequest(`${field}: invalid value ${JSON.stringify(value)}`);
  }
  return number;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest(`${field}: invalid value ${JSON.stringify(value)}`);
  return value;
}

/** DeleteOptions from the body (as client-node sends them) or from the query string. */
export function parseDeleteOptions(params: URLSearchParams, body: unknown): DeleteOptions {
  const fields = isJsonObject(body) ? body : {};
  const preconditions = isJsonObject(fields.preconditions) ? fields.preconditions : {};
  return {
    gracePeriodSeconds: optionalNumber(fields.gracePeriodSeconds ?? params.get('gracePeriodSeconds'), 'gracePeriodSeconds'),
    preconditions: {
      uid: optionalString(preconditions.uid, 'preconditions.uid'),
      resourceVersion: optionalString(preconditions.resourceVersion, 'preconditions.resourceVersion'),
    },
  };
}
