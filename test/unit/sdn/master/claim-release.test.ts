// The leader's releases of retained StatefulSet addresses and of dead nodes' claims, on an in-memory etcd.
import { expect } from 'chai';
import { type Ipv4, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { type FixedClaim, serializeClaim } from '../../../../lib/sdn/fixed/claim.js';
import type { WorkloadView } from '../../../../lib/sdn/master/claim-release.js';
import { KEYS } from '../../../support/fixed-world.js';
import { MemoryEtcd } from '../../../support/memory-etcd.js';
import { eventually, leader } from '../../../support/memory-master.js';

/** The API server as the test says it is. */
class Workloads implements WorkloadView {
  synced = true;
  readonly sets = new Map<string, { uid: string; replicas: number }>();
  readonly pods = new Map<string, string>();

  statefulSet(namespace: string, name: string) {
    return this.sets.get(`${namespace}/${name}`);
  }

  async pod(namespace: string, name: string) {
    const uid = this.pods.get(`${namespace}/${name}`);
    return uid === undefined ? null : { uid };
  }
}

const claim = (ordinal: number, extra: Partial<FixedClaim> = {}): FixedClaim => ({
  ip: parseIpv4(`10.128.2.${10 + ordinal}`), mac: `0a:58:0a:80:02:${(10 + ordinal).toString(16).padStart(2, '0')}`, namespace: 'red', pod: `db-${ordinal}`,
  podUid: `u${ordinal}`, node: '', containerId: '', kind: 'pool', pool: 'db', retain: true,
  statefulSet: { name: 'db', uid: 'set-1', ordinal }, previous: '', time: '', ...extra,
});

describe('master: releasing fixed addresses', () => {
  let etcd: MemoryEtcd;
  let workloads: Workloads;
  let master: Awaited<ReturnType<typeof leader>>;
  const held = async () => (await etcd.list(KEYS.ipClaims)).items.map((kv) => kv.key.slice(KEYS.ipClaims.length)).sort();
  const store = async (c: FixedClaim) => {
    await etcd.put(KEYS.ipClaim(c.ip), serializeClaim(c));
    await etcd.put(KEYS.macClaim(c.mac), c.ip);
    await etcd.put(KEYS.podClaim(c.namespace, c.pod), c.ip);
  };

  beforeEach(async () => {
    etcd = new MemoryEtcd();
    workloads = new Workloads();
    workloads.sets.set('red/db', { uid: 'set-1', replicas: 3 });
    for (const ordinal of [0, 1, 2]) await store(claim(ordinal));
  });
  afterEach(() => master?.stop());

  it('releases the addresses of ordinals a scale-down removed, once no pod of that name exists', async () => {
    workloads.pods.set('red/db-2', 'u2');
    master = await leader(etcd, workloads);
    workloads.sets.set('red/db', { uid: 'set-1', replicas: 1 });
    await master.releaser!.recheck('red', 'db');
    expect(await held(), 'db-2 still exists: nothing of it goes').to.deep.equal(['10.128.2.10', '10.128.2.12']);
    workloads.pods.delete('red/db-2');
    await master.releaser!.recheck('red', 'db');
    expect(await held()).to.deep.equal(['10.128.2.10']);
    expect((await etcd.list(KEYS.podClaims)).items.map((kv) => kv.value), 'with their index keys').to.deep.equal(['10.128.2.10']);
  });

  it('releases every address of a deleted or re-created StatefulSet, and none while it wants them', async () => {
    master = await leader(etcd, workloads);
    await master.releaser!.recheckAll();
    expect(await held()).to.have.length(3);
    workloads.sets.set('red/db', { uid: 'set-2', replicas: 3 });
    await master.releaser!.recheckAll();
    expect(await held(), 're-created under the same name').to.deep.equal([]);
  });

  it('releases nothing until the API server\'s lists arrived', async () => {
    workloads.synced = false;
    workloads.sets.clear();
    master = await leader(etcd, workloads);
    await master.releaser!.recheckAll();
    expect(await held()).to.have.length(3);
  });

  it('frees the claims of a node without a heartbeat whose pods are gone, on the second look only', async () => {
    const deadNode = parseIpv4('192.168.50.9') as Ipv4;
    await store(claim(7, { retain: false, statefulSet: null, pod: 'web', podUid: 'w1', node: deadNode, containerId: 'c', kind: 'static' }));
    await store(claim(8, { retain: false, statefulSet: null, pod: 'live', podUid: 'l1', node: deadNode, containerId: 'c2', kind: 'static' }));
    workloads.pods.set('red/live', 'l1');
    master = await leader(etcd, workloads, 150);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await held(), 'first pass only suspects').to.include('10.128.2.17');
    await eventually(async () => expect(await held()).to.not.include('10.128.2.17'), 2000);
    expect(await held(), 'a pod that still exists keeps its address').to.include('10.128.2.18');
  });
});
