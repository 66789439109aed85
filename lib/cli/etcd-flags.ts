// The etcd connection flags of the original k8s-ovs, shared by the daemon and the admin CLI.
import type { Argv } from 'yargs';
import type { StoreOptions } from '../etcd/options.js';
import { CONFIG_KEY, DEFAULT_PREFIX } from '../sdn/layout.js';

export interface EtcdFlags {
  'etcd-endpoints': string;
  'etcd-prefix': string;
  /** The original's --network: the config is `<prefix>/<network>/config` instead of `<prefix>/config`. */
  network?: string;
  'etcd-cafile'?: string;
  'etcd-certfile'?: string;
  'etcd-keyfile'?: string;
  'etcd-username'?: string;
  'etcd-password'?: string;
}

export const DEFAULT_ETCD_ENDPOINTS = 'http://127.0.0.1:2379';

/** Every etcd connection flag, as the environment (K8S_OVS_ETCD_*) names them. */
export const ETCD_FLAG_NAMES: ReadonlyArray<keyof EtcdFlags> = [
  'etcd-endpoints', 'etcd-prefix', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile', 'etcd-username', 'etcd-password',
];

export function withEtcdFlags<T>(argv: Argv<T>): Argv<T & EtcdFlags> {
  return argv
    .option('etcd-endpoints', { type: 'string', default: DEFAULT_ETCD_ENDPOINTS, group: 'etcd:',
      describe: 'comma-separated etcd client URLs' })
    .option('etcd-prefix', { type: 'string', default: DEFAULT_PREFIX, group: 'etcd:',
      describe: 'key prefix holding config, subnets and netnamespaces' })
    .option('network', { type: 'string', default: '', group: 'etcd:',
      coerce: parseNetworkName, describe: 'read the network config from <prefix>/<network>/config (the original k8s-ovs\'s --network)' })
    .option('etcd-cafile', { type: 'string', group: 'etcd:', describe: 'CA certificate that signed the etcd servers (enables TLS)' })
    .option('etcd-certfile', { type: 'string', group: 'etcd:', describe: 'client certificate for etcd' })
    .option('etcd-keyfile', { type: 'string', group: 'etcd:', describe: 'client key for etcd' })
    .option('etcd-username', { type: 'string', group: 'etcd:', describe: 'etcd user (role-based access)' })
    .option('etcd-password', { type: 'string', group: 'etcd:', describe: 'etcd password' }) as Argv<T & EtcdFlags>;
}

export function storeOptions(flags: EtcdFlags): StoreOptions {
  return {
    endpoints: flags['etcd-endpoints'].split(',').map((e) => e.trim()).filter(Boolean),
    prefix: flags['etcd-prefix'],
    ...(flags['etcd-cafile'] ? { caFile: flags['etcd-cafile'] } : {}),
    ...(flags['etcd-certfile'] ? { certFile: flags['etcd-certfile'] } : {}),
    ...(flags['etcd-keyfile'] ? { keyFile: flags['etcd-keyfile'] } : {}),
    ...(flags['etcd-username'] ? { username: flags['etcd-username'] } : {}),
    ...(flags['etcd-password'] ? { password: flags['etcd-password'] } : {}),
  };
}

/** The host of the first endpoint, to find which local address faces etcd. */
export function firstEndpointHost(flags: EtcdFlags): string {
  const first = storeOptions(flags).endpoints[0] ?? '127.0.0.1:2379';
  return new URL(/^[a-z]+:\/\//.test(first) ? first : `http://${first}`).hostname;
}

/** A --network value names one key segment, as the original's path.Join of prefix, network and "config" did. */
function parseNetworkName(name: string): string {
  if (name !== '' && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new Error(`--network: "${name}" is not a network name (letters, digits, "_", "." and "-")`);
  }
  return name;
}

/** The config key under the prefix that --network selects. */
export function configKeyOf(flags: Pick<EtcdFlags, 'network'>): string {
  return flags.network ? `${flags.network}/${CONFIG_KEY}` : CONFIG_KEY;
}
