// --seed-network-config: the ConfigMap's network config reaches etcd only when etcd has none.
import { expect } from 'chai';
import type { KeyValue, Store, TxnResult } from '../../../../lib/etcd/types.js';
import { ConfigError } from '../../../../lib/sdn/config.js';
import { seedNetworkConfig } from '../../../../lib/sdn/daemon/config-seed.js';
import { recordingLogger } from '../../k8s/recorder.js';

const PREFIX = '/k8s.ovs.com/ovs/network';
const SEED = '{"Name":"k8ssdn","Network":"10.128.0.0/14","HostSubnetLength":9,"ServiceNetwork":"172.30.0.0/16","PluginName":"k8s-ovs-multitenant"}';
const EDITED = '{"Name":"k8ssdn","Network":"10.128.0.0/14","HostSubnetLength":9,"ServiceNetwork":"172.30.0.0/16","PluginName":"k8s-ovs-subnet"}';

/** etcd's create-if-absent (create revision 0) over a map, with the round trips a real store would make. */
class CreateOnlyStore implements Pick<Store, 'create'> {
  readonly values = new Map<string, KeyValue>();
  calls = 0;
  private revision = 1;

  async create(key: string, value: string): Promise<TxnResult> {
    this.calls++;
    await new Promise((resolve) => setImmediate(resolve));
    const existing = this.values.get(key);
    if (existing) return { succeeded: false, revision: this.revision, current: new Map([[key, existing]]) };
    this.revision++;
    this.values.set(key, { key, value, createRevision: this.revision, modRevision: this.revision });
    return { succeeded: true, revision: this.revision, current: new Map() };
  }
}

describe('seeding the network config (--seed-network-config)', () => {
  it('writes the seed to <prefix>/config when etcd holds none', async () => {
    const store = new CreateOnlyStore();
    const { logger, lines } = recordingLogger();
    expect(await seedNetworkConfig(store, SEED, PREFIX, logger)).to.equal('written');
    expect(store.values.get('config')?.value).to.equal(SEED);
    expect(lines.map((line) => line.message)).to.include('wrote the network config from --seed-network-config');
  });

  it('never overwrites a config already in etcd, even one that differs, and says so', async () => {
    const store = new CreateOnlyStore();
    await store.create('config', EDITED);
    const { logger, lines } = recordingLogger();
    expect(await seedNetworkConfig(store, SEED, PREFIX, logger)).to.equal('kept');
    expect(store.values.get('config')?.value).to.equal(EDITED);
    expect(lines.map((line) => line.message)).to.include('etcd already holds a network config; --seed-network-config leaves it as it is');
  });

  it('lets exactly one of many nodes seeding at once write', async () => {
    const store = new CreateOnlyStore();
    const seeds = Array.from({ length: 5 }, (_, i) => SEED.replace('"k8ssdn"', `"net${i}"`));
    const outcomes = await Promise.all(seeds.map((seed) => seedNetworkConfig(store, seed, PREFIX, recordingLogger().logger)));
    expect(outcomes.filter((outcome) => outcome === 'written')).to.have.length(1);
    expect(seeds[outcomes.indexOf('written')]).to.equal(store.values.get('config')?.value);
  });

  it('refuses a seed that is not a valid config before asking etcd, naming the flag and the field', async () => {
    const store = new CreateOnlyStore();
    const bad = SEED.replace('"HostSubnetLength":9', '"HostSubnetLength":"nine"');
    const error = await seedNetworkConfig(store, bad, PREFIX, recordingLogger().logger).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).field).to.equal('HostSubnetLength');
    expect((error as ConfigError).message).to.match(/^--seed-network-config: .*HostSubnetLength/);
    expect(store.calls).to.equal(0);
  });
});
