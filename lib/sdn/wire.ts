// Reading the Go-encoded JSON objects that the original k8s-ovs keeps in etcd.
import { messageOf } from '../errors.js';

/** Where a bad value was found; the parser of each record turns this into its own error type. */
export interface WireProblem {
  field: string;
  value: unknown;
  message: string;
}

export class WireObjectError extends Error {
  override name = 'WireObjectError';
  constructor(readonly problem: WireProblem) {
    super(problem.message);
  }
}

function fail(field: string, value: unknown, message: string): never {
  throw new WireObjectError({ field, value, message });
}

/**
 * A JSON object whose fields are looked up the way Go's encoding/json does: the exact
 * name first, then case-insensitively, so `"network"` written by hand still reads as `Network`.
 */
export class WireObject {
  private constructor(private readonly fields: Record<string, unknown>) {}

  static parse(text: string): WireObject {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      fail('(json)', text, `not valid JSON: ${messageOf(error)}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      fail('(json)', value, `expected a JSON object, got ${JSON.stringify(value)}`);
    }
    return new WireObject(value as Record<string, unknown>);
  }

  /** The raw value of a field, or undefined when absent (JSON null counts as absent, as in Go). */
  raw(name: string): unknown {
    if (Object.hasOwn(this.fields, name)) return this.fields[name] ?? undefined;
    const lower = name.toLowerCase();
    const match = Object.keys(this.fields).find((key) => key.toLowerCase() === lower);
    return match === undefined ? undefined : this.fields[match] ?? undefined;
  }

  string(name: string, options: { optional?: boolean } = {}): string {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.optional) return '';
      fail(name, value, `${name} is missing`);
    }
    if (typeof value !== 'string') fail(name, value, `${name}: ${JSON.stringify(value)} is not a string`);
    return value;
  }

  integer(name: string): number {
    const value = this.raw(name);
    if (value === undefined) fail(name, value, `${name} is missing`);
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      fail(name, value, `${name}: ${JSON.stringify(value)} is not an integer`);
    }
    return value;
  }

  boolean(name: string, options: { optional?: boolean } = {}): boolean {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.optional) return false;
      fail(name, value, `${name} is missing`);
    }
    if (typeof value !== 'boolean') fail(name, value, `${name}: ${JSON.stringify(value)} is not true or false`);
    return value;
  }
}
