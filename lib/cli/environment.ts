// Flags from K8S_OVS_* environment variables, read the way this daemon and the original k8s-ovs wrote them.
import type { Argv } from 'yargs';

export const ENV_PREFIX = 'K8S_OVS';

export const envName = (flag: string) => `${ENV_PREFIX}_${flag.toUpperCase().replace(/-/g, '_')}`;

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

export interface EnvironmentFlags {
  /** Flag values found in the environment. */
  values: Map<string, string>;
  /** K8S_OVS_* variables that set no flag of ours (with the unknown flags of a wrapped value). */
  ignored: string[];
  /** Variables written the original's way, `K8S_OVS_ANY="--flag=value --other=value"` or `HOSTNAME="--hostname=n1"`. */
  unwrapped: string[];
}

/** Variables of the original's sysconfig read only in its form, `NAME="--flag=value"` (HOSTNAME="--hostname=n1"). */
const ORIGINAL_WRAPPED_VARIABLES: readonly string[] = ['HOSTNAME'];

/**
 * The flags in a value written the original's way: `--a=1 --b=2`, `--a 1`, or a bare boolean `--a`;
 * undefined when the value is not of that form. Values cannot hold whitespace (neither could the original's).
 */
export function unwrapFlags(value: string): Array<[flag: string, value: string]> | undefined {
  const words = value.trim().split(/\s+/);
  if (!words[0]?.startsWith('--')) return undefined;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < words.length; i++) {
    const match = /^--([A-Za-z0-9][A-Za-z0-9_-]*)(?:=([\s\S]*))?$/.exec(words[i]!);
    if (!match) return undefined;
    const next = words[i + 1];
    if (match[2] !== undefined) pairs.push([match[1]!, match[2]]);
    else if (next !== undefined && !next.startsWith('--')) pairs.push([match[1]!, words[++i]!]);
    else pairs.push([match[1]!, 'true']);
  }
  return pairs;
}

/**
 * Reads K8S_OVS_* variables as flags. `K8S_OVS_ETCD_ENDPOINTS=url` sets --etcd-endpoints; the original
 * k8s-ovs's unit pasted values onto its command line, so a value `--flag=value` (or several such flags)
 * sets those flags whatever the variable is called, and its HOSTNAME="--hostname=..." is read too.
 * Two variables setting one flag differently is an EnvironmentError naming both.
 */
export function readEnvironmentFlags(env: Readonly<Record<string, string | undefined>>, flags: Iterable<string>): EnvironmentFlags {
  const known = new Set(flags);
  const byName = new Map([...known].map((flag) => [envName(flag), flag]));
  const result: EnvironmentFlags = { values: new Map(), ignored: [], unwrapped: [] };
  const setBy = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    const original = ORIGINAL_WRAPPED_VARIABLES.includes(name);
    if (!(name.startsWith(`${ENV_PREFIX}_`) || original) || value === undefined || value.trim() === '') continue;
    const wrapped = unwrapFlags(value);
    if (original && !wrapped) continue;
    const direct = byName.get(name);
    const pairs = wrapped ?? (direct === undefined ? [] : [[direct, value] as [string, string]]);
    if (pairs.length === 0) {
      result.ignored.push(name);
      continue;
    }
    const unknown = pairs.filter(([flag]) => !known.has(flag)).map(([flag]) => `--${flag}`);
    if (unknown.length) result.ignored.push(`${name} (${unknown.join(' ')})`);
    for (const [flag, flagValue] of pairs) {
      if (!known.has(flag)) continue;
      const earlier = setBy.get(flag);
      if (earlier !== undefined && result.values.get(flag) !== flagValue) {
        throw new EnvironmentError(`${earlier} and ${name} both set --${flag}, to different values: keep one`);
      }
      setBy.set(flag, name);
      result.values.set(flag, flagValue);
    }
    if (wrapped && unknown.length < pairs.length) result.unwrapped.push(name);
  }
  return result;
}

/** The flags (and their aliases) a yargs parser declares, to read K8S_OVS_* variables against. */
export function declaredFlags<T>(parser: Argv<T>): string[] {
  // getOptions() exists on every yargs instance but is missing from its type definitions.
  return Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
}
