// SIGHUP (`systemctl reload k8s-ovs`): re-reads the etcd settings from the environment file and applies
// a changed endpoint list at once; other etcd settings are named as needing a restart.
import { readFile } from 'node:fs/promises';
import { EnvironmentError, readEnvironmentFlags } from '../../cli/environment.js';
import { parseEnvironmentFile } from '../../cli/environment-file.js';
import { DEFAULT_ETCD_ENDPOINTS, ETCD_FLAG_NAMES, type EtcdFlags, storeOptions } from '../../cli/etcd-flags.js';
import type { Logger } from '../../log.js';
import { DEFAULT_PREFIX } from '../layout.js';

/** What a flag is when neither the command line nor the environment sets it. */
const DEFAULTS: Partial<Record<keyof EtcdFlags, string>> = { 'etcd-endpoints': DEFAULT_ETCD_ENDPOINTS, 'etcd-prefix': DEFAULT_PREFIX };

export interface EtcdReloadOptions {
  /** The file systemd reads the daemon's K8S_OVS_* variables from (--environment-file). */
  file: string;
  /** The daemon's command line: a flag given there wins over the file, as it did at start. */
  argv: readonly string[];
  /** The etcd flags the daemon runs with. */
  running: EtcdFlags;
  store: { readonly endpoints: readonly string[]; setEndpoints(endpoints: readonly string[]): Promise<void> };
  log: Logger;
}

/** Whether `--flag` (or yargs' `--camelCase` spelling) is on the command line. */
export function onCommandLine(argv: readonly string[], flag: string): boolean {
  const camel = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return argv.some((arg) => [flag, camel].some((name) => arg === `--${name}` || arg.startsWith(`--${name}=`)));
}

/** Applies the file's etcd endpoints if they changed; never throws (the daemon keeps running as it was). */
export async function reloadEtcdSettings(options: EtcdReloadOptions): Promise<void> {
  const { file, argv, running, store, log } = options;
  let values: Map<string, string>;
  try {
    const environment = Object.fromEntries(parseEnvironmentFile(await readFile(file, 'utf8')));
    values = readEnvironmentFlags(environment, ETCD_FLAG_NAMES).values;
  } catch (error) {
    const reason = error instanceof EnvironmentError ? error.message : `cannot read it: ${(error as Error).message}`;
    log.error('reload: the environment file was not applied; running on with the etcd settings in use', { file, error: reason });
    return;
  }
  const effective = (flag: keyof EtcdFlags) => values.get(flag) ?? DEFAULTS[flag];
  for (const flag of ETCD_FLAG_NAMES) {
    if (flag === 'etcd-endpoints' || onCommandLine(argv, flag) || effective(flag) === running[flag]) continue;
    log.warn('reload: this setting changed in the environment file; it takes effect when the daemon restarts',
      { flag: `--${flag}`, file, hint: 'systemctl restart k8s-ovs' });
  }
  if (onCommandLine(argv, 'etcd-endpoints')) {
    log.warn('reload: --etcd-endpoints is on the command line, which wins over the environment file; endpoints unchanged', { file });
    return;
  }
  const endpoints = storeOptions({ ...running, 'etcd-endpoints': effective('etcd-endpoints')! }).endpoints;
  if (endpoints.join(',') === store.endpoints.join(',')) {
    log.info('reload: etcd endpoints unchanged', { endpoints, file });
    return;
  }
  try {
    await store.setEndpoints(endpoints);
  } catch (error) {
    log.error('reload: could not change the etcd endpoints; running on with the old ones', { endpoints, error: (error as Error).message });
  }
}
