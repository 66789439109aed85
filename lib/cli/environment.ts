// Flags from K8S_OVS_* environment variables (yargs .env) without letting unrelated variables break strict parsing.
import type { Argv } from 'yargs';

export const ENV_PREFIX = 'K8S_OVS';

const envName = (flag: string) => `${ENV_PREFIX}_${flag.toUpperCase().replace(/-/g, '_')}`;

/**
 * Hides K8S_OVS_* variables that name no flag of `parser` from yargs (which would reject them in strict
 * mode) and returns their names, so the caller can warn: e.g. K8S_OVS_OPTS, which a unit expands itself.
 */
export function withoutUnknownEnvironment<T>(parser: Argv<T>, env: NodeJS.ProcessEnv = process.env): string[] {
  // getOptions() exists on every yargs instance but is missing from its type definitions.
  const { key } = (parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
  const known = new Set(Object.keys(key).map(envName));
  const ignored: string[] = [];
  for (const name of Object.keys(env)) {
    if (name.startsWith(`${ENV_PREFIX}_`) && !known.has(name)) {
      ignored.push(name);
      delete env[name];
    }
  }
  return ignored;
}
