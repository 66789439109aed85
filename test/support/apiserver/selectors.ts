// Label and field selectors: the query-string grammar of the real API server, parsed and matched.
import { ApiError } from './api-error.js';

export type LabelRequirement =
  | { key: string; operator: 'exists' | 'doesNotExist' }
  | { key: string; operator: 'in' | 'notIn'; values: readonly string[] };

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelNamePattern = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function selectorError(selector: string, why: string): ApiError {
  return ApiError.badRequest(`unable to parse requirement: selector "${selector}": ${why}`);
}

/** Tokens of the label selector language; whitespace separates nothing but is allowed. */
function tokenizeLabels(text: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    const pair = text.slice(index, index + 2);
    if (/\s/.test(char)) {
      index += 1;
    } else if (pair === '==' || pair === '!=') {
      tokens.push(pair);
      index += 2;
    } else if ('(),=!'.includes(char)) {
      tokens.push(char);
      index += 1;
    } else {
      const match = /^[^\s(),=!]+/.exec(text.slice(index))!;
      tokens.push(match[0]);
      index += match[0].length;
    }
  }
  return tokens;
}

const punctuation = new Set(['(', ')', ',', '=', '==', '!=', '!']);

function checkKey(selector: string, key: string | undefined): string {
  if (key === undefined || punctuation.has(key)) throw selectorError(selector, 'expected a label key');
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && dnsSubdomainPattern.test(prefix));
  if (!prefixOk || name.length > 63 || !labelNamePattern.test(name)) {
    throw selectorError(selector, `invalid label key "${key}"`);
  }
  return key;
}

function checkValue(selector: string, value: string): string {
  if (value.length > 63 || !labelValuePattern.test(value)) {
    throw selectorError(selector, `invalid label value "${value}"`);
  }
  return value;
}

/** Parses `a=b,c!=d,e,!f,g in (x,y),h notin (z)`; the empty string selects everything. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const tokens = tokenizeLabels(selector);
  const requirements: LabelRequirement[] = [];
  let position = 0;
  const next = (): string | undefined => tokens[position++];
  const peek = (): string | undefined => tokens[position];
  // A value may be empty (`a=` selects a label set to ""), so a separator ends it.
  const readValue = (): string => {
    const token = peek();
    if (token === undefined || token === ',' || token === ')') return '';
    if (punctuation.has(token)) throw selectorError(selector, `unexpected "${token}"`);
    return checkValue(selector, next()!);
  };

  while (position < tokens.length) {
    if (peek() === '!') {
      next();
      requirements.push({ key: checkKey(selector, next()), operator: 'doesNotExist' });
    } else {
      const key = checkKey(selector, next());
      const operator = peek();
      if (operator === undefined || operator === ',') {
        requirements.push({ key, operator: 'exists' });
      } else if (operator === '=' || operator === '==' || operator === '!=') {
        next();
        requirements.push({ key, operator: operator === '!=' ? 'notIn' : 'in', values: [readValue()] });
      } else if (operator === 'in' || operator === 'notin') {
        next();
        if (next() !== '(') throw selectorError(selector, `expected "(" after "${operator}"`);
        const values = [readValue()];
        while (peek() === ',') {
          next();
          values.push(readValue());
        }
        if (next() !== ')') throw selectorError(selector, 'expected ")" to close the value set');
        requirements.push({ key, operator: operator === 'in' ? 'in' : 'notIn', values });
      } else {
        throw selectorError(selector, `unexpected "${operator}" after key "${key}"`);
      }
    }
    if (position < tokens.length && next() !== ',') {
      throw selectorError(selector, 'requirements must be separated by ","');
    }
  }
  return requirements;
}

/** `!=` and `notin` also select objects without the label, as the real server does. */
export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return requirements.every((requirement) => {
    const value = labels?.[requirement.key];
    switch (requirement.operator) {
      case 'exists':
        return value !== undefined;
      case 'doesNotExist':
        return value === undefined;
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notIn':
        return value === undefined || !requirement.values.includes(value);
    }
  });
}

/** Splits on `separator` where it is not escaped with a backslash. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '\\' && index + 1 < text.length) {
      current += char + text[index + 1];
      index += 1;
    } else if (char === separator) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** Parses `a=b,c==d,e!=f`; values may escape `\,` `\=` `\\`. Field names are checked by the caller. */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  if (selector.trim() === '') return [];
  return splitUnescaped(selector, ',').map((term) => {
    const match = /^([^=!]+?)(!=|==|=)(.*)$/.exec(term.trim());
    if (!match) throw ApiError.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field, operator, value] = match;
    return { field: field!.trim(), operator: operator === '!=' ? '!=' : '=', value: unescapeFieldValue(value!) };
  });
}

export function matchesFields(
  requirements: readonly FieldRequirement[],
  fieldValue: (field: string) => string,
): boolean {
  return requirements.every(({ field, operator, value }) => (fieldValue(field) === value) === (operator === '='));
}
