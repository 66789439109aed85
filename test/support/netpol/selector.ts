// metav1.LabelSelector: validation and matching with the apimachinery semantics.
import type { Labels } from './api.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: Operator;
  values: readonly string[];
}

/** A validated selector: all requirements must hold (matchLabels and matchExpressions are ANDed). */
export interface Selector {
  requirements: readonly Requirement[];
}

const OPERATORS: readonly Operator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Reports a problem at a field path; the caller turns it into its own typed error. */
export type Complain = (field: string, value: unknown, reason: string) => never;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses a present selector. "An empty label selector matches all objects" (LabelSelector reference):
 * `{}`, `{matchLabels: {}}` and `{matchExpressions: []}` all select everything.
 */
export function parseSelector(raw: unknown, field: string, complain: Complain): Selector {
  if (!isRecord(raw)) return complain(field, raw, 'must be a label selector object');
  const requirements: Requirement[] = [];
  const matchLabels = raw.matchLabels ?? {};
  if (!isRecord(matchLabels)) return complain(`${field}.matchLabels`, matchLabels, 'must be an object of strings');
  for (const [key, value] of Object.entries(matchLabels)) {
    if (key === '') complain(`${field}.matchLabels`, key, 'label keys must not be empty');
    if (typeof value !== 'string') complain(`${field}.matchLabels.${key}`, value, 'must be a string');
    requirements.push({ key, operator: 'In', values: [value as string] });
  }
  const expressions = raw.matchExpressions ?? [];
  if (!Array.isArray(expressions)) return complain(`${field}.matchExpressions`, expressions, 'must be a list');
  expressions.forEach((expression: unknown, index) => {
    requirements.push(parseRequirement(expression, `${field}.matchExpressions[${index}]`, complain));
  });
  return { requirements };
}

function parseRequirement(raw: unknown, field: string, complain: Complain): Requirement {
  if (!isRecord(raw)) return complain(field, raw, 'must be an object');
  const { key, operator } = raw;
  const values = raw.values ?? [];
  if (typeof key !== 'string' || key === '') return complain(`${field}.key`, key, 'must be a non-empty string');
  if (!OPERATORS.includes(operator as Operator)) return complain(`${field}.operator`, operator, `must be one of ${OPERATORS.join(', ')}`);
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    return complain(`${field}.values`, values, 'must be a list of strings');
  }
  // "If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or
  // DoesNotExist, the values array must be empty." (LabelSelectorRequirement reference)
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) complain(`${field}.values`, values, `must be non-empty for ${String(operator)}`);
  if (!needsValues && values.length > 0) complain(`${field}.values`, values, `must be empty for ${String(operator)}`);
  return { key, operator: operator as Operator, values: values as string[] };
}

/** NotIn and DoesNotExist hold for an object without the key, as in k8s.io/apimachinery/pkg/labels. */
export function selectorMatches(selector: Selector, labels: Labels): boolean {
  return selector.requirements.every(({ key, operator, values }) => {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (operator) {
      case 'In':
        return has && values.includes(labels[key]!);
      case 'NotIn':
        return !has || !values.includes(labels[key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}
