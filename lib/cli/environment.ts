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
  /** K8S_OVS_* variables that set no flag of ours. */
  ignored: string[];
  /** Variables written the original's way, `K8S_OVS_ANY="--flag=value"`. */
  unwrapped: string[];
}

const WRAPPED = /^--([a-z0-9-]+)(?:=|\s+)([\s\S]*)$/;

/**
 * Reads K8S_OVS_* variables as flags. `K8S_OVS_ETCD_ENDPOINTS=url` sets --etcd-endpoints; the original
 * k8s-ovs's unit pasted values onto its command line, so a value `--flag=value` sets that flag whatever
 * the variable is called. Two variables setting one flag differently is an EnvironmentError naming both.
 */
export function readEnvironmentFlags(env: Readonly<Record<string, string | undefined>>, flags: Iterable<string>): EnvironmentFlags {
  const known = new Set(flags);
  const byName = new Map([...known].map((flag) => [envName(flag), flag]));
  const result: EnvironmentFlags = { values: new Map(), ignored: [], unwrapped: [] };
  const setBy = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(`${ENV_PREFIX}_`) || value === undefined || value === '') continue;
    const wrapped = WRAPPED.exec(value);
    const flag = wrapped ? wrapped[1]! : byName.get(name);
    const flagValue = wrapped ? wrapped[2]! : value;
    if (flag === undefined || !known.has(flag)) {
      result.ignored.push(name);
      continue;
    }
    const earlier = setBy.get(flag);
    if (earlier !== undefined && result.values.get(flag) !== flagValue) {
      throw new EnvironmentError(`${earlier} and ${name} both set --${flag}, to different values: keep one`);
    }
    setBy.set(flag, name);
    result.values.set(flag, flagValue);
    if (wrapped) result.unwrapped.push(name);
  }
  return result;
}

/**
 * Rewrites K8S_OVS_* variables for yargs' .env(): one variable per flag found, none that yargs' strict
 * mode would reject (e.g. K8S_OVS_OPTS, or a name of the original's sysconfig).
 */
export function prepareEnvironment<T>(parser: Argv<T>, env: NodeJS.ProcessEnv = process.env): EnvironmentFlags {
  // getOptions() exists on every yargs instance but is missing from its type definitions.
  const { key } = (parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
  const found = readEnvironmentFlags(env, Object.keys(key));
  for (const name of Object.keys(env)) if (name.startsWith(`${ENV_PREFIX}_`)) delete env[name];
  for (const [flag, value] of found.values) env[envName(flag)] = value;
  return found;
}
