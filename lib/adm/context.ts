// What every admin command runs against: its output streams, the clock, and the cluster in etcd.
import { type EtcdFlags, configKeyOf, storeOptions } from '../cli/etcd-flags.js';
import { StoreAccessError, StoreError, StoreOptionsError, StoreUnavailableError } from '../etcd/index.js';
import type { StoreOptions } from '../etcd/options.js';
import type { KeyValue, Listing } from '../etcd/types.js';
import type { Transaction } from '../etcd/txn.js';
import type { CommandRunner } from '../exec/command.js';
import { ConfigError, type NetworkConfig, parseNetworkConfig } from '../sdn/config.js';
import { DEFAULT_PREFIX, type NetworkKeys, networkKeys } from '../sdn/layout.js';
import { AdmError, UsageError } from './errors.js';

/** The part of the store the CLI uses: reads and conditional transactions, nothing long-lived. */
export interface AdmStore {
  get(key: string): Promise<KeyValue | null>;
  list(prefix: string): Promise<Listing>;
  txn(): Transaction;
  close(): Promise<void>;
}

/** Lists namespace names by label selector from the Kubernetes API server (for --selector). */
export type NamespaceLister = (selector: string, kubeconfig: string | undefined) => Promise<string[]>;

/** The CLI's effects, replaced by fakes in unit tests. */
export interface AdmEnvironment {
  out(text: string): void;
  err(text: string): void;
  openStore(options: StoreOptions): Promise<AdmStore>;
  listNamespaces: NamespaceLister;
  /** Runs OVS tools for `trace`. */
  runner: CommandRunner;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** The cluster as one command sees it: the store, the network config and its key layout. */
export interface Cluster {
  readonly store: AdmStore;
  readonly config: NetworkConfig;
  readonly keys: NetworkKeys;
  /** The etcd prefix, to print keys as etcdctl shows them. */
  readonly prefix: string;
}

/** Opens etcd, reads the network config, runs `work`, and closes; store errors become errors that say what to fix. */
export async function withCluster<T>(env: AdmEnvironment, flags: EtcdFlags, work: (cluster: Cluster) => Promise<T>): Promise<T> {
  let options: StoreOptions;
  try {
    options = storeOptions(flags);
  } catch (error) {
    throw new UsageError(`etcd flags: ${(error as Error).message}`);
  }
  let store: AdmStore;
  try {
    store = await env.openStore(options);
  } catch (error) {
    throw translate(error, flags);
  }
  try {
    const config = await readConfig(store, flags['etcd-prefix'], configKeyOf(flags));
    return await work({ store, config, keys: networkKeys(config.name), prefix: flags['etcd-prefix'].replace(/\/+$/, '') });
  } catch (error) {
    throw translate(error, flags);
  } finally {
    await store.close().catch(() => undefined);
  }
}

async function readConfig(store: AdmStore, prefix: string, configKey: string): Promise<NetworkConfig> {
  const kv = await store.get(configKey);
  if (kv === null) {
    throw new AdmError(`no network config at ${prefix.replace(/\/+$/, '')}/${configKey}: check --etcd-prefix `
      + `(default ${DEFAULT_PREFIX}) and --network, the same as the daemon's`);
  }
  try {
    return parseNetworkConfig(kv.value);
  } catch (error) {
    if (error instanceof ConfigError) throw new AdmError(`${prefix}/${configKey}: ${error.message}`);
    throw error;
  }
}

function translate(error: unknown, flags: EtcdFlags): unknown {
  const endpoints = flags['etcd-endpoints'];
  if (error instanceof StoreOptionsError) return new UsageError(`${error.message}: fix the --etcd-* flags`);
  if (error instanceof StoreUnavailableError) {
    return new AdmError(`cannot reach etcd at ${endpoints}: ${error.message}; check --etcd-endpoints `
      + '(or K8S_OVS_ETCD_ENDPOINTS) and that etcd is running');
  }
  if (error instanceof StoreAccessError) {
    return new AdmError(`etcd at ${endpoints} refused access: ${error.message}; check --etcd-username/--etcd-password `
      + 'or the TLS files (--etcd-cafile, --etcd-certfile, --etcd-keyfile)');
  }
  if (error instanceof StoreError) return new AdmError(`etcd: ${error.message}`);
  return error;
}

/** Waits until `probe` returns a value, polling; undefined after `timeoutMs`. */
export async function pollUntil<T>(env: AdmEnvironment, timeoutMs: number, probe: () => Promise<T | undefined>,
  everyMs = 200): Promise<T | undefined> {
  const deadline = env.now().getTime() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (env.now().getTime() >= deadline) return undefined;
    await env.sleep(everyMs);
  }
}
