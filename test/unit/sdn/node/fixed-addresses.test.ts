// The node side of fixed addresses on an in-memory etcd: claiming, races, moves, releases, and the routes each node keeps.
import { expect } from 'chai';
import { parseIpv4 } from '../../../../lib/net/ipv4.js';
import { AddressConflictError, FixedRequestError, PoolExhaustedError, PoolNotReadyError } from '../../../../lib/sdn/fixed/errors.js';
import { fixedAddressCniError } from '../../../../lib/sdn/node/fixed-attach.js';
import { fixedAddressOwner, podOwner } from '../../../../lib/sdn/pipeline/owners.js';
import { Table } from '../../../../lib/sdn/pipeline/tables.js';
import { FixedWorld, KEYS, wantAddress, wantPool } from '../../../support/fixed-world.js';

const POOL = { CIDR: '10.130.0.0/24', Namespaces: ['red'] };
const SET = { name: 'db', uid: 'set-1', ordinal: 0 };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('fixed addresses on the node (in-memory etcd, fake switches)', () => {
  let world: FixedWorld;
  beforeEach(async () => {
    world = await FixedWorld.create(3);
    await world.pool('db', POOL);
  });
  afterEach(() => world.stop());

  it('claims the address a pod names, and every other node routes it to the holder', async () => {
    const [n1, n2] = [world.node('n1'), world.node('n2')];
    const { lease } = await world.add(n1, { namespace: 'red', name: 'a', containerId: 'c1', vnid: 11 }, wantAddress('10.130.0.5'));
    expect(lease.held.claim).to.deep.include({ ip: '10.130.0.5', mac: '0a:58:0a:82:00:05', node: n1.ip, containerId: 'c1', kind: 'static', pool: 'db' });
    expect(await world.etcd.get(KEYS.podClaim('red', 'a'))).to.have.property('value', '10.130.0.5');
    expect(await world.etcd.get(KEYS.macClaim('0a:58:0a:82:00:05'))).to.have.property('value', '10.130.0.5');
    expect(n1.table.ofOwner(fixedAddressOwner(parseIpv4('10.130.0.5'))).map((f) => f.table)).to.deep.equal([Table.Dispatch, Table.Dispatch]);
    expect(n2.table.ofOwner(fixedAddressOwner(parseIpv4('10.130.0.5')))).to.have.length(4);
  });

  it('lets exactly one of two nodes claim one address, a hundred times, the other getting the conflict (CNI 101)', async () => {
    const [n1, n2] = [world.node('n1'), world.node('n2')];
    for (let round = 0; round < 100; round++) {
      const ip = `10.130.0.${10 + (round % 200)}`;
      const results = await Promise.allSettled([
        n1.fixed.acquire({ namespace: 'red', pod: `x${round}`, podUid: 'u1', containerId: `a${round}`, request: wantAddress(ip) }),
        n2.fixed.acquire({ namespace: 'red', pod: `y${round}`, podUid: 'u2', containerId: `b${round}`, request: wantAddress(ip) }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      expect(won, `round ${round}`).to.have.length(1);
      expect(lost[0]).to.be.instanceOf(AddressConflictError);
      expect(fixedAddressCniError(lost[0], 'red/y')?.code).to.equal(101);
      await n1.fixed.release(`a${round}`);
      await n2.fixed.release(`b${round}`);
    }
    expect((await world.etcd.list(KEYS.ipClaims)).items).to.deep.equal([]);
  });

  it('hands out distinct pool addresses to pods racing on every node, then says the pool is exhausted (CNI 103)', async () => {
    await world.pool('tiny', { Ranges: ['10.130.1.1-10.130.1.6'], Namespaces: ['red'] });
    const claims = await Promise.all(world.nodes.flatMap((node, n) => [0, 1].map((i) => node.fixed.acquire({
      namespace: 'red', pod: `p${n}${i}`, podUid: 'u', containerId: `c${n}${i}`, request: wantPool('tiny'),
    }))));
    expect(new Set(claims.map((c) => c.held.claim.ip)).size).to.equal(6);
    const full = await rejection(world.node('n1').fixed.acquire({ namespace: 'red', pod: 'late', podUid: 'u', containerId: 'z', request: wantPool('tiny') }));
    expect(full).to.be.instanceOf(PoolExhaustedError);
    expect(full.message).to.equal('IP pool tiny has no free address (6 of 6 claimed)');
    expect(fixedAddressCniError(full, 'red/late')?.code).to.equal(103);
  });

  it('refuses addresses outside the pods\' pools, reserved ones and other nodes\' subnets, naming why (CNI 102)', async () => {
    const n1 = world.node('n1');
    const why = async (ip: string, namespace = 'red') => {
      const error = await rejection(n1.fixed.acquire({ namespace, pod: 'p', podUid: 'u', containerId: 'c', request: wantAddress(ip) }));
      expect(error, ip).to.be.instanceOf(FixedRequestError);
      expect(fixedAddressCniError(error, 'red/p')?.code).to.equal(102);
      return error.message;
    };
    expect(await why('10.132.0.5')).to.equal('10.132.0.5 is outside the cluster network 10.128.0.0/14');
    expect(await why('10.128.2.1')).to.equal('10.128.2.1 is the gateway of node n2\'s HostSubnet 10.128.2.0/23: only IP pool addresses can be fixed');
    expect(await why('10.128.2.9')).to.match(/is inside node n2's HostSubnet/);
    expect(await why('10.131.255.255')).to.match(/network or broadcast address of the cluster network/);
    expect(await why('10.130.9.9')).to.equal('10.130.9.9 is in no IP pool (see: k8s-ovs-adm get ippools)');
    expect(await why('10.130.0.0')).to.equal('10.130.0.0 is the network address of pool db (10.130.0.0/24)');
    expect(await why('10.130.0.255')).to.equal('10.130.0.255 is the broadcast address of pool db (10.130.0.0/24)');
    expect(await why('10.130.0.5', 'blue')).to.equal('IP pool db (10.130.0.5) does not allow namespace blue');
    expect((await world.etcd.list(KEYS.ipClaims)).items, 'nothing claimed by a refused request').to.deep.equal([]);
  });

  it('waits (CNI 11) for a pool the master has not judged, and refuses one it refused', async () => {
    const n1 = world.node('n1');
    await world.etcd.put(KEYS.ipPool('new'), JSON.stringify({ CIDR: '10.130.2.0/24', Namespaces: ['red'] }));
    await world.etcd.settled();
    const waiting = await rejection(n1.fixed.acquire({ namespace: 'red', pod: 'p', podUid: 'u', containerId: 'c', request: wantPool('new') }));
    expect(waiting).to.be.instanceOf(PoolNotReadyError);
    expect(fixedAddressCniError(waiting, 'red/p')?.code).to.equal(11);
    const revision = (await world.etcd.get(KEYS.ipPool('new')))!.modRevision;
    await world.etcd.put(KEYS.ipPoolStatus('new'), JSON.stringify({ Revision: revision, State: 'Refused', Reason: 'it overlaps pool db' }));
    await world.etcd.settled();
    const refused = await rejection(n1.fixed.acquire({ namespace: 'red', pod: 'p', podUid: 'u', containerId: 'c', request: wantPool('new') }));
    expect(refused.message).to.equal('IP pool "new" was refused by the master: it overlaps pool db');
  });

  it('answers CNI 11 when etcd is unreachable, and claims nothing', async () => {
    world.etcd.down = true;
    const error = await rejection(world.node('n1').fixed.acquire({ namespace: 'red', pod: 'p', podUid: 'u', containerId: 'c', request: wantAddress('10.130.0.7') }));
    expect(fixedAddressCniError(error, 'red/p')).to.include({ code: 11 });
    world.etcd.down = false;
    expect((await world.etcd.list(KEYS.ipClaims)).items).to.deep.equal([]);
  });

  it('refuses a MAC another pod holds, naming no pod of another namespace', async () => {
    const n1 = world.node('n1');
    await world.pool('all', { CIDR: '10.130.3.0/24', Namespaces: ['*'] });
    await world.add(n1, { namespace: 'blue', name: 'b', containerId: 'cb', vnid: 12 }, wantPool('all', { mac: '02:00:00:00:00:01' }));
    const error = await rejection(n1.fixed.acquire({ namespace: 'red', pod: 'r', podUid: 'u', containerId: 'cr',
      request: wantAddress('10.130.0.8', { mac: '02:00:00:00:00:01' }) }));
    expect(error).to.be.instanceOf(AddressConflictError);
    expect(error.message).to.match(/^MAC 02:00:00:00:00:01 is claimed by another pod/);
  });

  describe('a StatefulSet pod (retained address)', () => {
    const member = { namespace: 'red', name: 'db-0', vnid: 11 };
    const retained = wantPool('db', { retain: true, statefulSet: SET });

    it('keeps its address and MAC when re-created on another node, which the old node then routes to', async () => {
      const [n1, n2, n3] = [world.node('n1'), world.node('n2'), world.node('n3')];
      const first = await world.add(n1, { ...member, containerId: 'c1', uid: 'u1' }, retained);
      const ip = first.lease.held.claim.ip;
      await world.del(n1, first.local);
      expect((await world.etcd.get(KEYS.ipClaim(ip)))?.value, 'detached, still claimed').to.match(/"Node":""/);
      expect(n3.table.ofOwner(fixedAddressOwner(ip)), 'no route while no pod holds it').to.deep.equal([]);
      const second = await world.add(n2, { ...member, containerId: 'c2', uid: 'u2' }, retained);
      expect(second.lease.held.claim).to.deep.include({ ip, mac: first.lease.held.claim.mac, node: n2.ip, podUid: 'u2' });
      expect(second.lease.takenFrom).to.deep.equal({ node: '', containerId: '' });
      for (const other of [n1, n3]) {
        expect(other.table.ofOwner(fixedAddressOwner(ip)).find((f) => f.table === Table.RemoteDelivery)?.actions, other.name)
          .to.deep.include({ kind: 'setTunnelDestination', ip: n2.ip });
      }
    });

    it('takes its address over from a node whose DEL never came, which fences its pod there and confirms', async () => {
      const [n1, n2] = [world.node('n1'), world.node('n2')];
      const first = await world.add(n1, { ...member, containerId: 'c1', uid: 'u1' }, retained);
      const second = await world.add(n2, { ...member, containerId: 'c2', uid: 'u2' }, retained);
      const ip = second.lease.held.claim.ip;
      expect(second.lease.takenFrom).to.deep.equal({ node: n1.ip, containerId: 'c1' });
      expect(n1.dataplane.isFenced(first.local.port.portName)).to.equal(true);
      expect(n1.table.ofOwner(podOwner(first.local.port.portName)), 'the stale pod\'s flows').to.deep.equal([]);
      expect(await n2.fixed.handedOver(second.lease), 'the old node confirmed').to.equal(true);
      expect(JSON.parse((await world.etcd.get(KEYS.ipClaim(ip)))!.value)).to.not.have.property('Previous');
    });

    it('gives a changed request its new address and frees the old one in the same transaction', async () => {
      const n1 = world.node('n1');
      const first = await world.add(n1, { ...member, containerId: 'c1' }, retained);
      await world.del(n1, first.local);
      const second = await world.add(n1, { ...member, containerId: 'c2' }, wantAddress('10.130.0.200', { retain: true, statefulSet: SET }));
      expect(second.lease.held.claim.ip).to.equal('10.130.0.200');
      const keys = (await world.etcd.list('k8ssdn/')).items.map((kv) => kv.key).filter((k) => !k.includes('ippool'));
      expect(keys.sort()).to.deep.equal([KEYS.ipClaim('10.130.0.200'), KEYS.macClaim('0a:58:0a:82:00:c8'), KEYS.podClaim('red', 'db-0')].sort());
    });

    it('gives back the address its name held once the pod asks for none', async () => {
      const n1 = world.node('n1');
      const first = await world.add(n1, { ...member, containerId: 'c1' }, retained);
      await world.del(n1, first.local);
      await n1.fixed.releasePod('red', 'db-0');
      expect((await world.etcd.list(KEYS.ipClaims)).items).to.deep.equal([]);
    });
  });

  it('releases the claims of sandboxes a killed daemon left behind, and only those', async () => {
    const n1 = world.node('n1');
    const kept = await world.add(n1, { namespace: 'red', name: 'kept', containerId: 'live', vnid: 11 }, wantAddress('10.130.0.20'));
    await n1.fixed.acquire({ namespace: 'red', pod: 'half', podUid: 'u', containerId: 'died-mid-add', request: wantAddress('10.130.0.21') });
    await n1.fixed.reconcile([kept.local.containerId]);
    const left = (await world.etcd.list(KEYS.ipClaims)).items.map((kv) => kv.key);
    expect(left).to.deep.equal([KEYS.ipClaim('10.130.0.20')]);
  });

  it('never frees a newer owner: a release compares the revision it knows', async () => {
    const [n1, n2] = [world.node('n1'), world.node('n2')];
    const stale = await n1.fixed.acquire({ namespace: 'red', pod: 'p', podUid: 'u1', containerId: 'old', request: wantAddress('10.130.0.30') });
    await n2.fixed.acquire({ namespace: 'red', pod: 'p', podUid: 'u2', containerId: 'new', request: wantAddress('10.130.0.30') });
    await n1.fixed.abandon(stale);
    const kv = await world.etcd.get(KEYS.ipClaim('10.130.0.30'));
    expect(JSON.parse(kv!.value)).to.include({ Node: n2.ip, ContainerID: 'new' });
  });

  it('fences a local pod whose claim an admin deleted, and routes the address nowhere', async () => {
    const n1 = world.node('n1');
    const { local } = await world.add(n1, { namespace: 'red', name: 'a', containerId: 'c1', vnid: 11 }, wantAddress('10.130.0.40'));
    await world.etcd.delete(KEYS.ipClaim('10.130.0.40'));
    await world.etcd.settled();
    expect(n1.dataplane.isFenced(local.port.portName)).to.equal(true);
    expect(n1.table.ofOwner(fixedAddressOwner(local.port.ip))).to.deep.equal([]);
  });
});
