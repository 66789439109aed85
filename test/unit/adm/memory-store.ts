// An AdmEnvironment around an in-memory etcd (test/support/memory-store.ts), for the CLI's unit tests.
import type { StoreOptions } from '../../../lib/etcd/options.js';
import type { CommandRunner } from '../../../lib/exec/command.js';
import type { AdmEnvironment } from '../../../lib/adm/context.js';
import { MemoryStore } from '../../support/memory-store.js';

export { MemoryStore };

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
