// A leadership term on an in-memory etcd, for the master's controllers.
import type { Fence } from '../../../../lib/etcd/types.js';
import { silentLogger } from '../../../../lib/log.js';
import { parseNetworkConfig } from '../../../../lib/sdn/config.js';
import { networkKeys } from '../../../../lib/sdn/layout.js';
import { Term } from '../../../../lib/sdn/master/term.js';
import { MemoryStore } from '../../../support/memory-store.js';

export const KEYS = networkKeys('k8ssdn');
/** A /21 cut into /23s: four node subnets. */
export const CONFIG = parseNetworkConfig(JSON.stringify({
  Name: 'k8ssdn', Network: '10.128.0.0/21', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16', PluginName: 'k8s-ovs-multitenant',
}));

export interface Leader {
  store: MemoryStore;
  term: Term;
  /** Why the term ended, once it has. */
  lost: Error[];
  /** Another master takes over: this term's election key is gone. */
  depose(): void;
}

export function leader(store = new MemoryStore()): Leader {
  store.put(KEYS.masterElection + '/lease-1', 'master-a');
  const kv = store.data.get(KEYS.masterElection + '/lease-1')!;
  const fence: Fence = { key: kv.key, createRevision: kv.createRevision };
  const lost: Error[] = [];
  const term = new Term(store, fence, CONFIG, KEYS, silentLogger, (reason) => lost.push(reason));
  return { store, term, lost, depose: () => store.delete(fence.key) };
}

/** The value stored under `key`, parsed as JSON. */
export function stored(store: MemoryStore, key: string): Record<string, unknown> | undefined {
  const kv = store.data.get(key);
  return kv ? JSON.parse(kv.value) as Record<string, unknown> : undefined;
}

/** The keys under `prefix`, without it. */
export function keysUnder(store: MemoryStore, prefix: string): string[] {
  return [...store.data.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length)).sort();
}
