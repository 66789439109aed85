import { expect } from 'chai';
import { NotLeaderError } from '../../../../lib/sdn/master/term.js';
import { PoolFullError } from '../../../../lib/next-fit.js';
import { SubnetController } from '../../../../lib/sdn/master/subnets.js';
import { MemoryStore } from '../../../support/memory-store.js';
import { KEYS, type Leader, keysUnder, leader, stored } from './fixture.js';

describe('SubnetController (the master\'s HostSubnets)', () => {
  let master: Leader;
  let controller: SubnetController;
  afterEach(async () => {
    await controller.stop();
  });

  async function start(store?: MemoryStore): Promise<SubnetController> {
    master = leader(store);
    controller = new SubnetController(master.term);
    controller.start();
    await controller.ready;
    return controller;
  }

  it('gives each node the next free subnet, the same one on every call, with a claim in etcd', async () => {
    await start();
    const [a, b] = await Promise.all([controller.ensure('n1', '192.168.50.1'), controller.ensure('n2', '192.168.50.2')]);
    expect([a.subnet?.toString(), b.subnet?.toString()].sort()).to.deep.equal(['10.128.0.0/23', '10.128.2.0/23']);
    expect((await controller.ensure('n1', '192.168.50.1')).subnet?.toString()).to.equal(a.subnet?.toString());
    expect(stored(master.store, KEYS.subnet('192.168.50.1'))).to.deep.equal({
      Host: 'n1', HostIP: '192.168.50.1', Subnet: a.subnet?.toString(), Assign: false,
    });
    expect(keysUnder(master.store, KEYS.subnetClaims)).to.deep.equal(['10.128.0.0/23', '10.128.2.0/23']);
  });

  it('serves an Assign request written to etcd (a host outside Kubernetes)', async () => {
    await start();
    master.store.put(KEYS.subnet('192.168.50.9'), JSON.stringify({ Host: 'gw1', HostIP: '192.168.50.9', Subnet: '', Assign: true }));
    await master.store.settled();
    expect(stored(master.store, KEYS.subnet('192.168.50.9'))).to.deep.equal({
      Host: 'gw1', HostIP: '192.168.50.9', Subnet: '10.128.0.0/23', Assign: false,
    });
  });

  it('adopts a subnet written by hand, and leaves one that another node holds as it is', async () => {
    await start();
    await controller.ensure('n1', '192.168.50.1');
    master.store.put(KEYS.subnet('192.168.50.2'), JSON.stringify({ Host: 'n2', HostIP: '192.168.50.2', Subnet: '10.128.4.0/23', Assign: false }));
    master.store.put(KEYS.subnet('192.168.50.3'), JSON.stringify({ Host: 'n3', HostIP: '192.168.50.3', Subnet: '10.128.0.0/23', Assign: false }));
    await master.store.settled();
    expect(keysUnder(master.store, KEYS.subnetClaims)).to.deep.equal(['10.128.0.0/23', '10.128.4.0/23']);
    expect(master.store.data.get(KEYS.subnetClaim('10.128.0.0/23'))?.value).to.equal('192.168.50.1');
    // The next node does not get a subnet someone holds.
    expect((await controller.ensure('n4', '192.168.50.4')).subnet?.toString()).to.equal('10.128.2.0/23');
  });

  it('releases a node\'s subnet, and gives it back to the same host when it returns while still free', async () => {
    await start();
    const first = await controller.ensure('n1', '192.168.50.1');
    await controller.ensure('n2', '192.168.50.2');
    await controller.release('192.168.50.1');
    expect(master.store.data.has(KEYS.subnet('192.168.50.1'))).to.equal(false);
    expect(keysUnder(master.store, KEYS.subnetClaims)).to.deep.equal(['10.128.2.0/23']);
    expect(master.store.data.get(KEYS.subnetHistoryOf('192.168.50.1'))?.value).to.equal(first.subnet?.toString());
    expect((await controller.ensure('n1', '192.168.50.1')).subnet?.toString()).to.equal(first.subnet?.toString());
  });

  it('rebuilds from etcd on a new term: keeps held subnets, drops orphaned claims, serves pending requests', async () => {
    const store = new MemoryStore();
    store.put(KEYS.subnet('192.168.50.1'), JSON.stringify({ Host: 'n1', HostIP: '192.168.50.1', Subnet: '10.128.0.0/23', Assign: false }));
    store.put(KEYS.subnetClaim('10.128.0.0/23'), '192.168.50.1');
    store.put(KEYS.subnetClaim('10.128.6.0/23'), '192.168.50.7');
    store.put(KEYS.subnet('192.168.50.9'), JSON.stringify({ Host: 'gw1', HostIP: '192.168.50.9', Subnet: '', Assign: true }));
    await start(store);
    expect(keysUnder(store, KEYS.subnetClaims)).to.deep.equal(['10.128.0.0/23', '10.128.2.0/23']);
    expect(stored(store, KEYS.subnet('192.168.50.9'))?.Subnet).to.equal('10.128.2.0/23');
  });

  it('fails once the cluster network has no subnet left', async () => {
    await start();
    for (let i = 1; i <= 4; i++) await controller.ensure(`n${i}`, `192.168.50.${i}`);
    const error = await controller.ensure('n5', '192.168.50.5').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(PoolFullError);
  });

  it('stops writing once another master holds the election: NotLeaderError, and the term ends', async () => {
    await start();
    master.depose();
    const error = await controller.ensure('n1', '192.168.50.1').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(NotLeaderError);
    expect(master.term.active).to.equal(false);
    expect(master.lost).to.have.lengthOf(1);
    expect(keysUnder(master.store, KEYS.subnetClaims)).to.deep.equal([]);
  });
});
