// The control plane against a real etcd: master failover with VNIDs and subnets, watch outages and compaction.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import winston from 'winston';
import { StoreError } from '../../lib/etcd/errors.js';
import { EtcdStore } from '../../lib/etcd/store.js';
import type { KeyValue, Listing, WatchEvent } from '../../lib/etcd/types.js';
import { createLogger } from '../../lib/log.js';
import { Cidr } from '../../lib/net/ipv4.js';
import { type NetworkConfig, parseNetworkConfig } from '../../lib/sdn/config.js';
import { networkKeys } from '../../lib/sdn/layout.js';
import { Master, NotLeaderError } from '../../lib/sdn/master/master.js';
import {
  parseHostSubnet, parseNetNamespace, parseNetNamespaceRejection, serializeNetNamespace,
} from '../../lib/sdn/records.js';
import { EtcdServer, TcpProxy } from '../support/etcd.js';

const CONFIG_JSON = '{"Name":"k8ssdn","Network":"10.128.0.0/14","HostSubnetLength":9,' +
  '"ServiceNetwork":"172.30.0.0/16","PluginName":"k8s-ovs-multitenant"}';
const CONFIG: NetworkConfig = parseNetworkConfig(CONFIG_JSON);
const KEYS = networkKeys(CONFIG.name);
const TTL_SECONDS = 2;
/** K8S_OVS_TEST_LOG=debug shows what the masters do. */
const LOGGER = process.env.K8S_OVS_TEST_LOG ? createLogger({ level: process.env.K8S_OVS_TEST_LOG }) : undefined;

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await sleep(100);
  }
}

function capturingLogger(messages: string[]): winston.Logger {
  const stream = new Writable({
    objectMode: true,
    write(info: { message: string }, _encoding, done) {
      messages.push(info.message);
      done();
    },
  });
  return winston.createLogger({ transports: [new winston.transports.Stream({ stream })] });
}

interface Instance {
  store: EtcdStore;
  /** Each master reaches etcd through its own relay, so killing it can drop its connection. */
  proxy: TcpProxy;
  master: Master;
  dead: boolean;
}

describe('control plane on a real etcd', function () {
  this.timeout(90_000);
  let etcd: EtcdServer;
  const stores: EtcdStore[] = [];
  const proxies: TcpProxy[] = [];
  let prefixes = 0;

  before(async () => {
    etcd = await EtcdServer.start();
  });

  after(async () => {
    for (const store of stores) store.abort();
    for (const proxy of proxies) await proxy.close();
    await etcd?.remove();
  });

  async function connect(prefix: string, endpoint = etcd.endpoint, logger?: winston.Logger): Promise<EtcdStore> {
    const store = await EtcdStore.connect({ endpoints: [endpoint], prefix, logger });
    stores.push(store);
    return store;
  }

  interface Cluster {
    prefix: string;
    admin: EtcdStore;
    instances: Instance[];
    /** How many leadership terms began. */
    terms: () => number;
  }

  /** A fresh key tree per test, with the network config (and `seed`) in place, and n masters campaigning. */
  async function cluster(masters: number, seed?: (admin: EtcdStore) => Promise<void>): Promise<Cluster> {
    const prefix = `/k8s.ovs.com/test-${++prefixes}/network`;
    const admin = await connect(prefix);
    await admin.put('config', CONFIG_JSON);
    await seed?.(admin);
    const instances: Instance[] = [];
    let terms = 0;
    for (let i = 0; i < masters; i++) {
      const proxy = await TcpProxy.start(etcd.clientPort);
      proxies.push(proxy);
      const store = await connect(prefix, proxy.endpoint);
      const master = new Master(store, CONFIG, {
        identity: `master-${i}`, electionTtlSeconds: TTL_SECONDS, logger: LOGGER,
      });
      master.onLeadershipChange((leading) => {
        if (leading) terms += 1;
      });
      master.start();
      instances.push({ store, proxy, master, dead: false });
    }
    return { admin, instances, terms: () => terms, prefix };
  }

  /** Runs `work` on whichever master leads, retrying through failovers as an informer resync would. */
  async function onLeader<T>(instances: Instance[], work: (master: Master) => Promise<T>): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const leader = instances.find((instance) => !instance.dead && instance.master.leading);
      if (leader) {
        try {
          return await work(leader.master);
        } catch (error) {
          if (!(error instanceof NotLeaderError || error instanceof StoreError) || Date.now() > deadline) throw error;
        }
      } else if (Date.now() > deadline) {
        throw new Error('no master took the lead');
      }
      await sleep(50);
    }
  }

  /**
   * Kills the leading master as a crash would: its connections drop (etcd3 keeps open streams
   * such as the lease keepalive running after close(), so the relay is cut too) and its lease is
   * left to expire after the TTL.
   */
  async function killLeader(instances: Instance[]): Promise<Instance> {
    const leader = await eventually('a leader', async () => instances.find((i) => !i.dead && i.master.leading));
    leader.dead = true;
    await leader.proxy.cut();
    leader.store.abort();
    return leader;
  }

  /** What the admin CLI does: set Action and Namespace on a NetNamespace, keeping the rest. */
  async function requestAction(admin: EtcdStore, namespace: string, action: string, target = ''): Promise<void> {
    const key = KEYS.netNamespace(namespace);
    for (;;) {
      const kv = (await admin.get(key))!;
      const record = parseNetNamespace(key, kv.value);
      const updated = serializeNetNamespace({ ...record, action, namespace: target });
      if ((await admin.compareAndSwap(key, kv.modRevision, updated)).succeeded) return;
    }
  }

  it('keeps VNIDs unique, shared only where joined, and never leaked while the master is killed twice', async () => {
    const { admin, instances, terms } = await cluster(3);
    const names = Array.from({ length: 300 }, (_, i) => `ns-${String(i).padStart(3, '0')}`);
    const hubs = names.slice(0, 20);
    const joins = names.slice(20, 60).map((ns, i) => ({ ns, action: 'join', target: hubs[i % hubs.length]! }));
    const isolates = names.slice(60, 85).map((ns) => ({ ns, action: 'isolate', target: '' }));
    const globals = names.slice(85, 110).map((ns) => ({ ns, action: 'global', target: '' }));
    const invalid = names.slice(110, 120).map((ns, i) => (i < 5
      ? { ns, action: 'join', target: 'does-not-exist' }
      : i < 8 ? { ns, action: 'join', target: ns } : { ns, action: 'merge', target: '' }));
    const actions = [...joins, ...isolates, ...globals, ...invalid];
    expect(actions).to.have.length(100);
    const ensure = (ns: string) => onLeader(instances, (master) => master.ensureNamespace(ns));

    let created = 0;
    const firstHalf = Promise.all(names.slice(0, 150).map(async (ns) => {
      await ensure(ns);
      created += 1;
    }));
    await eventually('50 namespaces', async () => (created >= 50 ? true : undefined));
    await killLeader(instances);
    await firstHalf;

    const secondHalf = Promise.all(names.slice(150).map(ensure));
    const issued = Promise.all(actions.map(async ({ ns, action, target }) => {
      await ensure(ns);
      if (action === 'join' && target !== ns && target !== 'does-not-exist') await ensure(target);
      await requestAction(admin, ns, action, target);
    }));
    // Kill the second leader once it has applied some actions and others are still pending.
    await eventually('some actions applied', async () => {
      const applied = (await admin.list(KEYS.netNamespaces)).items
        .filter((kv) => globals.some((g) => kv.key.endsWith(`/${g.ns}`)) && parseNetNamespace(kv.key, kv.value).netId === 0);
      return applied.length >= 3 ? true : undefined;
    });
    await killLeader(instances);
    await Promise.all([secondHalf, issued]);

    const records = await eventually('every action processed', async () => {
      const listing = await admin.list(KEYS.netNamespaces);
      const parsed = listing.items.map((kv) => parseNetNamespace(kv.key, kv.value));
      return parsed.length === 300 && parsed.every((r) => r.action === '' && r.namespace === '') ? parsed : undefined;
    });
    const vnid = new Map(records.map((r) => [r.netName, r.netId]));

    for (const { ns, target } of joins) expect(vnid.get(ns), ns).to.equal(vnid.get(target));
    for (const { ns } of globals) expect(vnid.get(ns), ns).to.equal(0);
    const alone = [...hubs, ...isolates.map((a) => a.ns), ...invalid.map((a) => a.ns), ...names.slice(120)];
    const groups = new Map<number, string[]>();
    for (const record of records) groups.set(record.netId, [...(groups.get(record.netId) ?? []), record.netName]);
    for (const ns of alone) {
      const sharers = groups.get(vnid.get(ns)!)!.filter((other) => other !== ns && !joins.some((j) => j.ns === other && j.target === ns));
      expect(sharers, `${ns} shares VNID ${vnid.get(ns)}`).to.deep.equal([]);
      expect(vnid.get(ns)).to.be.at.least(10);
    }
    for (const { ns, target } of invalid) {
      const error = await admin.get(KEYS.netNamespaceError(ns));
      expect(error, `rejection of ${ns}`).to.not.equal(null);
      const rejection = parseNetNamespaceRejection(error!.key, error!.value);
      expect(rejection.namespace).to.equal(target);
      expect(rejection.error).to.match(/does not exist|cannot join itself|not one of/);
    }

    // Releasing namespaces (hubs included, whose joiners keep the VNID) frees exactly the unused VNIDs.
    const released = [...hubs.slice(0, 10), ...names.slice(200, 220)];
    await Promise.all(released.map((ns) => onLeader(instances, (master) => master.releaseNamespace(ns))));
    const remaining = (await admin.list(KEYS.netNamespaces)).items.map((kv) => parseNetNamespace(kv.key, kv.value));
    expect(remaining).to.have.length(270);
    const inUse = new Set(remaining.map((r) => r.netId).filter((id) => id !== 0));
    const claims = (await admin.list(KEYS.netIdClaims)).items.map((kv) => Number(kv.key.slice(KEYS.netIdClaims.length)));
    expect(claims.sort((a, b) => a - b)).to.deep.equal([...inUse].sort((a, b) => a - b));
    for (const { ns, target } of joins.filter((j) => released.includes(j.target))) {
      expect(inUse.has(vnid.get(ns)!), `${ns} joined the released ${target}`).to.equal(true);
    }
    expect(instances.filter((i) => i.master.leading)).to.have.length(1);
    expect(terms(), 'leadership terms').to.equal(3);
    await Promise.all(instances.filter((i) => !i.dead).map((i) => i.master.stop()));
  });

  it('refuses the writes of a leader whose election key is gone, even before it notices', async () => {
    const { admin, instances, prefix } = await cluster(1);
    const [first] = instances;
    await eventually('a leader', async () => (first!.master.leading ? true : undefined));
    await first!.master.ensureNamespace('before');
    // As if its lease expired while it was paused: the key goes, and a second master is elected.
    const [electionKey] = (await admin.list(`election/${KEYS.masterElection}/`)).items;
    await admin.deleteIfUnchanged(electionKey!.key, electionKey!.modRevision);
    const second = new Master(await connect(prefix), CONFIG, { identity: 'second', electionTtlSeconds: TTL_SECONDS });
    second.start();
    await eventually('the second master leading', async () => (second.leading ? true : undefined));
    expect(first!.master.leading, 'the first master has not noticed yet').to.equal(true);
    let refused: unknown;
    try {
      await first!.master.ensureNamespace('after');
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(NotLeaderError);
    expect(first!.master.leading).to.equal(false);
    expect(await admin.get(KEYS.netNamespace('after'))).to.equal(null);
    expect((await second.ensureNamespace('after'))?.netId).to.be.at.least(10);
    await Promise.all([first!.master.stop(), second.stop()]);
  });

  it('takes over keys written by the original k8s-ovs or by hand: claims them, runs pending actions, repairs', async () => {
    const seed: Array<[string, string]> = [
      [KEYS.subnet('10.0.0.1'), '{"Host":"node-a","HostIP":"10.0.0.1","Subnet":"10.128.0.0/23","Assign":false}'],
      [KEYS.subnet('10.0.0.2'), '{"Host":"node-b","HostIP":"10.0.0.2","Subnet":"10.128.2.0/23","Assign":false}'],
      [KEYS.subnetClaim('10.128.2.0/23'), '10.0.0.2'],
      [KEYS.subnetClaim('10.128.8.0/23'), '10.0.0.99'],
      [KEYS.netNamespace('ns-a'), '{"NetName":"ns-a","NetID":10,"Action":"","Namespace":""}'],
      [KEYS.netNamespace('ns-b'), '{"NetName":"ns-b","NetID":10,"Action":"","Namespace":""}'],
      [KEYS.netNamespace('ns-c'), '{"NetName":"ns-c","NetID":12,"Action":"join","Namespace":"ns-a"}'],
      [KEYS.netNamespace('ns-bad'), '{"NetName":"ns-bad","NetID":"x"}'],
      [KEYS.netIdClaim(99), 'gone'],
    ];
    const { admin, instances } = await cluster(1, async (store) => {
      for (const [key, value] of seed) await store.put(key, value);
    });
    const master = instances[0]!.master;
    await eventually('the master loaded', async () => (master.leading ? master.whenLoaded().then(() => true) : undefined));
    const claimsOf = async (dir: string) =>
      (await admin.list(dir)).items.map((kv) => `${kv.key.slice(dir.length)}=${kv.value}`).sort();
    const netId = async (ns: string) => parseNetNamespace(KEYS.netNamespace(ns), (await admin.get(KEYS.netNamespace(ns)))!.value);

    expect(await claimsOf(KEYS.subnetClaims)).to.deep.equal(['10.128.0.0/23=10.0.0.1', '10.128.2.0/23=10.0.0.2']);
    expect(await netId('ns-c')).to.deep.equal({ netName: 'ns-c', netId: 10, action: '', namespace: '' });
    const repaired = await netId('ns-bad');
    expect(repaired.netId).to.be.at.least(10).and.not.equal(10);
    expect((await admin.get(KEYS.netNamespaceError('ns-bad')))!.value).to.contain('NetID');
    expect(await claimsOf(KEYS.netIdClaims)).to.deep.equal([`10=ns-a`, `${repaired.netId}=ns-bad`].sort());
    const fresh = await master.ensureNodeSubnet('node-new', '10.0.0.3');
    expect(['10.128.0.0/23', '10.128.2.0/23']).to.not.include(fresh.subnet!.toString());

    // NetIDs edited by hand are adopted; the shared VNID's claim goes only with its last user.
    await admin.put(KEYS.netNamespace('ns-a'), '{"NetName":"ns-a","NetID":0,"Action":"","Namespace":""}');
    await admin.put(KEYS.netNamespace('ns-c'), '{"NetName":"ns-c","NetID":0,"Action":"","Namespace":""}');
    await sleep(300);
    expect(await claimsOf(KEYS.netIdClaims)).to.include('10=ns-a');
    await admin.put(KEYS.netNamespace('ns-b'), '{"NetName":"ns-b","NetID":0,"Action":"","Namespace":""}');
    await eventually('VNID 10 released', async () =>
      ((await claimsOf(KEYS.netIdClaims)).some((claim) => claim.startsWith('10=')) ? undefined : true));
    await master.stop();
  });

  it('gives 50 nodes distinct subnets through joins, leaves and failovers, and serves Assign requests', async () => {
    const { admin, instances } = await cluster(3);
    const node = (i: number) => ({ host: `node-${i}`, ip: `10.0.${Math.floor(i / 200)}.${(i % 200) + 1}` });
    const ensure = (i: number) => onLeader(instances, (master) => master.ensureNodeSubnet(node(i).host, node(i).ip));

    let joined = 0;
    const first = new Map<number, string>();
    const joining = Promise.all(Array.from({ length: 50 }, async (_, i) => {
      first.set(i, (await ensure(i)).subnet!.toString());
      joined += 1;
    }));
    await eventually('20 nodes', async () => (joined >= 20 ? true : undefined));
    await killLeader(instances);
    await joining;

    let left = 0;
    const churn = Promise.all([
      ...Array.from({ length: 20 }, async (_, i) => {
        await onLeader(instances, (master) => master.releaseNodeSubnet(node(i).ip));
        left += 1;
      }),
      ...Array.from({ length: 10 }, (_, i) => ensure(50 + i)),
      ...Array.from({ length: 10 }, async (_, i) => {
        expect((await ensure(25 + i)).subnet!.toString()).to.equal(first.get(25 + i));
      }),
    ]);
    await eventually('5 nodes gone', async () => (left >= 5 ? true : undefined));
    await killLeader(instances);
    await churn;

    await admin.put(KEYS.subnet('192.168.1.1'), '{"Host":"ext1","HostIP":"192.168.1.1","Subnet":"","Assign":true}');
    const external = await eventually('the Assign request served', async () => {
      const kv = await admin.get(KEYS.subnet('192.168.1.1'));
      const record = parseHostSubnet(kv!.key, kv!.value);
      return record.assign ? undefined : record;
    });
    expect(external.subnet).to.not.equal(null);

    const records = (await admin.list(KEYS.subnets)).items.map((kv) => parseHostSubnet(kv.key, kv.value));
    const expected = [...Array.from({ length: 40 }, (_, i) => node(20 + i).ip), '192.168.1.1'];
    expect(records.map((r) => r.hostIp).sort()).to.deep.equal(expected.sort());
    const subnets = records.map((r) => r.subnet!.toString());
    expect(new Set(subnets).size, 'distinct subnets').to.equal(records.length);
    for (const subnet of subnets) {
      const cidr = Cidr.parse(subnet);
      expect(cidr.prefixLength).to.equal(23);
      expect(CONFIG.network.contains(cidr.network)).to.equal(true);
    }
    for (let i = 20; i < 50; i++) {
      expect(records.find((r) => r.hostIp === node(i).ip)!.subnet!.toString(), node(i).host).to.equal(first.get(i));
    }
    const claims = (await admin.list(KEYS.subnetClaims)).items;
    expect(claims.map((kv) => `${kv.key.slice(KEYS.subnetClaims.length)}=${kv.value}`).sort())
      .to.deep.equal(records.map((r) => `${r.subnet!.toString()}=${r.hostIp}`).sort());
    await Promise.all(instances.filter((i) => !i.dead).map((i) => i.master.stop()));
  });

  describe('watches through outages', () => {
    let outage: EtcdServer;
    before(async () => {
      outage = await EtcdServer.start({ enableV2: true });
    });
    after(async () => {
      await outage?.remove();
    });

    /** A consumer that keeps a model of the prefix from snapshots and events. */
    function mirror() {
      const model = new Map<string, string>();
      const seen: number[] = [];
      let snapshots = 0;
      return {
        model, seen,
        get snapshots() { return snapshots; },
        handlers: {
          snapshot(listing: Listing) {
            snapshots += 1;
            model.clear();
            for (const kv of listing.items) model.set(kv.key, kv.value);
          },
          events(events: WatchEvent[]) {
            for (const event of events) {
              if (event.type === 'put') {
                model.set(event.kv.key, event.kv.value);
                seen.push(event.kv.modRevision);
              } else {
                model.delete(event.key);
                seen.push(event.modRevision);
              }
            }
          },
        },
      };
    }

    async function writeThroughOutage(store: EtcdStore, key: string, value: string): Promise<void> {
      await eventually(`write ${key}`, async () => (await store.put(key, value)) > 0, 20_000);
    }

    it('resumes after etcd restarts, with every change delivered once and no relist', async () => {
      const messages: string[] = [];
      const watcherStore = await connect('/outage', outage.endpoint, capturingLogger(messages));
      const writer = await connect('/outage', outage.endpoint);
      const consumer = mirror();
      watcherStore.watchPrefix('w/', consumer.handlers);
      await eventually('the first snapshot', async () => (consumer.snapshots === 1 ? true : undefined));
      for (let i = 0; i < 10; i++) await writer.put(`w/before-${i}`, String(i));
      await eventually('10 changes', async () => (consumer.seen.length === 10 ? true : undefined));

      await outage.stop();
      await sleep(500);
      await outage.restart();
      for (let i = 0; i < 10; i++) await writeThroughOutage(writer, `w/after-${i}`, String(i));

      await eventually('20 changes', async () => (consumer.seen.length >= 20 ? true : undefined), 20_000);
      await sleep(300);
      expect(consumer.seen).to.have.length(20);
      expect(new Set(consumer.seen).size).to.equal(20);
      expect(consumer.seen).to.deep.equal([...consumer.seen].sort((a, b) => a - b));
      expect(consumer.snapshots).to.equal(1);
      expect(messages.filter((m) => m === 'etcd connection lost')).to.have.length(1);
      expect(messages.filter((m) => m === 'etcd connection restored')).to.have.length(1);
    });

    it('relists and converges when the history it missed was compacted', async () => {
      const proxy = await TcpProxy.start(outage.clientPort);
      try {
        const watcherStore = await connect('/compaction', proxy.endpoint);
        const writer = await connect('/compaction', outage.endpoint);
        const consumer = mirror();
        for (let i = 0; i < 5; i++) await writer.put(`c/a${i}`, 'old');
        watcherStore.watchPrefix('c/', consumer.handlers);
        await eventually('the first snapshot', async () => (consumer.model.size === 5 ? true : undefined));

        await proxy.cut();
        for (let i = 0; i < 5; i++) await writer.put(`c/b${i}`, 'new');
        for (let i = 0; i < 3; i++) await writer.deleteIfUnchanged(`c/a${i}`, (await writer.get(`c/a${i}`))!.modRevision);
        await writer.put('c/a4', 'changed');
        await outage.compact();
        await proxy.open();

        const truth = async () => new Map((await writer.list('c/')).items.map((kv: KeyValue) => [kv.key, kv.value]));
        const expected = await truth();
        await eventually('the watcher to converge', async () =>
          (JSON.stringify([...consumer.model].sort()) === JSON.stringify([...expected].sort()) ? true : undefined), 20_000);
        expect(consumer.snapshots).to.equal(2);

        await writer.put('c/after', 'x');
        await eventually('changes after the relist', async () => (consumer.model.get('c/after') === 'x' ? true : undefined));
      } finally {
        await proxy.close();
      }
    });
  });
});
