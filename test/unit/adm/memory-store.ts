// An in-memory AdmStore with etcd's revision rules, and an AdmEnvironment around it, for the CLI's unit tests.
import type { StoreOptions } from '../../../lib/etcd/options.js';
import { Transaction, type TxnPlan } from '../../../lib/etcd/txn.js';
import type { KeyValue, Listing, TxnResult } from '../../../lib/etcd/types.js';
import type { CommandRunner } from '../../../lib/exec/command.js';
import type { AdmEnvironment, AdmStore } from '../../../lib/adm/context.js';

export class MemoryStore implements AdmStore {
  readonly data = new Map<string, KeyValue>();
  revision = 1;
  closed = false;
  /** Runs after every committed transaction (e.g. a scripted master answering a request). */
  afterCommit: (store: MemoryStore) => void = () => undefined;
  commits = 0;

  /** Writes outside a transaction, as etcdctl would. */
  put(key: string, value: string): number {
    this.revision += 1;
    const old = this.data.get(key);
    this.data.set(key, { key, value, createRevision: old?.createRevision ?? this.revision, modRevision: this.revision });
    return this.revision;
  }

  delete(key: string): void {
    this.revision += 1;
    this.data.delete(key);
  }

  async get(key: string): Promise<KeyValue | null> {
    return this.data.get(key) ?? null;
  }

  async list(prefix: string): Promise<Listing> {
    const items = [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key));
    return { items, revision: this.revision };
  }

  txn(): Transaction {
    return new Transaction(async (plan) => this.run(plan));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private run(plan: TxnPlan): TxnResult & { fenceHeld: boolean } {
    const holds = plan.conditions.every((c) => (c.kind === 'absent'
      ? !this.data.has(c.key) : this.data.get(c.key)?.modRevision === c.revision));
    if (!holds) {
      const current = new Map(plan.conditions.map((c) => [c.key, this.data.get(c.key) ?? null]));
      return { succeeded: false, revision: this.revision, current, fenceHeld: true };
    }
    this.revision += 1;
    for (const write of plan.writes) {
      if (write.kind === 'delete') {
        this.data.delete(write.key);
      } else {
        const old = this.data.get(write.key);
        this.data.set(write.key, { key: write.key, value: write.value, createRevision: old?.createRevision ?? this.revision,
          modRevision: this.revision });
      }
    }
    this.commits += 1;
    const result = { succeeded: true, revision: this.revision, current: new Map(), fenceHeld: true };
    this.afterCommit(this);
    return result;
  }
}

export const CONFIG = JSON.stringify({
  Name: 'k8ssdn', Network: '10.128.0.0/21', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16', PluginName: 'k8s-ovs-multitenant',
});

export interface FakeEnvironment extends AdmEnvironment {
  stdout: string;
  stderr: string;
  opened: StoreOptions[];
  clock: number;
}

/** An environment whose store is `store`, whose clock moves only when the command sleeps. */
export function fakeEnvironment(store: MemoryStore, options: {
  runner?: CommandRunner; namespaces?: (selector: string) => string[]; start?: number;
} = {}): FakeEnvironment {
  const env: FakeEnvironment = {
    stdout: '', stderr: '', opened: [], clock: options.start ?? Date.parse('2024-05-01T12:00:00Z'),
    out(text) { env.stdout += text; },
    err(text) { env.stderr += text; },
    async openStore(storeOptions) {
      env.opened.push(storeOptions);
      return store;
    },
    async listNamespaces(selector) {
      return options.namespaces?.(selector) ?? [];
    },
    runner: options.runner ?? { run: async (command) => { throw new Error(`unexpected command ${command}`); } },
    now: () => new Date(env.clock),
    async sleep(ms) { env.clock += ms; },
  };
  return env;
}
