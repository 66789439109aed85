// The leader's IP pool verdicts and the node subnets it keeps away from pools, on an in-memory etcd.
import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { serializeClaim } from '../../../../lib/sdn/fixed/claim.js';
import { KEYS } from '../../../support/fixed-world.js';
import { MemoryEtcd } from '../../../support/memory-etcd.js';
import { eventually, leader } from '../../../support/memory-master.js';

const status = async (etcd: MemoryEtcd, pool: string) => {
  const kv = await etcd.get(KEYS.ipPoolStatus(pool));
  return kv ? JSON.parse(kv.value) as { Revision: number; State: string; Reason: string } : undefined;
};
const writePool = (etcd: MemoryEtcd, name: string, record: object) => etcd.put(KEYS.ipPool(name), JSON.stringify(record));

describe('master: IP pools', () => {
  let etcd: MemoryEtcd;
  let master: Awaited<ReturnType<typeof leader>>;
  beforeEach(async () => {
    etcd = new MemoryEtcd();
  });
  afterEach(() => master?.stop());

  it('accepts a pool inside the network and never hands out a node subnet that overlaps it', async () => {
    master = await leader(etcd);
    const revision = await writePool(etcd, 'db', { CIDR: '10.128.2.0/24', Namespaces: ['red'] });
    await eventually(async () => expect(await status(etcd, 'db')).to.include({ Revision: revision, State: 'Accepted' }), 2000);
    await eventually(async () => expect((await status(etcd, 'db'))?.State).to.equal('Accepted'));
    const given = [];
    for (const n of [1, 2, 3]) given.push((await master.subnets.ensure(`n${n}`, `192.168.50.${n}`)).subnet!.toString());
    expect(given).to.deep.equal(['10.128.0.0/23', '10.128.4.0/23', '10.128.6.0/23']);
    const error = await master.subnets.ensure('n4', '192.168.50.4').then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).to.match(/or overlap IP pools/);
  });

  it('refuses a pool that overlaps a HostSubnet in use, saying which, and one that overlaps another pool', async () => {
    master = await leader(etcd);
    await master.subnets.ensure('n1', '192.168.50.1');
    await writePool(etcd, 'bad', { Ranges: ['10.128.1.200-10.128.2.10'], Namespaces: ['red'] });
    await eventually(async () => expect(await status(etcd, 'bad')).to.include({
      State: 'Refused', Reason: 'it overlaps HostSubnets in use: n1 (192.168.50.1) holds 10.128.0.0/23',
    }), 2000);
    await writePool(etcd, 'first', { CIDR: '10.128.4.0/24', Namespaces: ['red'] });
    await eventually(async () => expect((await status(etcd, 'first'))?.State).to.equal('Accepted'), 2000);
    await writePool(etcd, 'second', { Ranges: ['10.128.4.250-10.128.5.5'], Namespaces: ['blue'] });
    await eventually(async () => expect(await status(etcd, 'second')).to.include({ State: 'Refused', Reason: 'it overlaps pool first (10.128.4.0/24)' }), 2000);
    await etcd.delete(KEYS.ipPool('first'));
    await eventually(async () => expect((await status(etcd, 'second'))?.State, 'accepted once the other is gone').to.equal('Accepted'), 2000);
    expect(await status(etcd, 'first'), 'the deleted pool\'s verdict goes with it').to.equal(undefined);
  });

  it('refuses a malformed pool with the reason, and a change that would strand claimed addresses', async () => {
    master = await leader(etcd);
    await etcd.put(KEYS.ipPool('broken'), '{"CIDR":"10.128.2.0/24"}');
    await eventually(async () => expect((await status(etcd, 'broken'))?.Reason).to.match(/Namespaces is empty/), 2000);
    await writePool(etcd, 'db', { CIDR: '10.128.2.0/24', Namespaces: ['red'] });
    await eventually(async () => expect((await status(etcd, 'db'))?.State).to.equal('Accepted'), 2000);
    await etcd.put(KEYS.ipClaim('10.128.2.200'), serializeClaim({
      ip: parseIpv4('10.128.2.200'), mac: '0a:58:0a:80:02:c8', namespace: 'red', pod: 'db-0', podUid: 'u', node: '', containerId: '',
      kind: 'pool', pool: 'db', retain: true, statefulSet: null, previous: '', time: '',
    }));
    await etcd.settled();
    await writePool(etcd, 'db', { CIDR: '10.128.2.0/25', Namespaces: ['red'] });
    await eventually(async () => expect((await status(etcd, 'db'))?.Reason)
      .to.equal('addresses claimed from it would fall outside it: 10.128.2.200 (red/db-0); release them first'), 2000);
  });

  it('knows every pool before it serves a waiting subnet request at election', async () => {
    await writePool(etcd, 'db', { CIDR: '10.128.0.0/23', Namespaces: ['red'] });
    await etcd.put(KEYS.subnet('192.168.50.1'), JSON.stringify({ Host: 'n1', HostIP: '192.168.50.1', Subnet: '', Assign: true }));
    master = await leader(etcd);
    await eventually(async () => {
      const record = JSON.parse((await etcd.get(KEYS.subnet('192.168.50.1')))!.value) as { Subnet: string };
      expect(record.Subnet).to.equal('10.128.2.0/23');
    }, 2000);
    expect(Cidr.parse('10.128.2.0/23').overlaps(Cidr.parse('10.128.0.0/23'))).to.equal(false);
  });

  it('keeps node subnets away from claimed addresses even when their pool is deleted', async () => {
    master = await leader(etcd);
    await etcd.put(KEYS.ipClaim('10.128.0.9'), serializeClaim({
      ip: parseIpv4('10.128.0.9'), mac: '0a:58:0a:80:00:09', namespace: 'red', pod: 'p', podUid: 'u', node: parseIpv4('192.168.50.9'),
      containerId: 'c', kind: 'static', pool: 'gone', retain: false, statefulSet: null, previous: '', time: '',
    }));
    await etcd.settled();
    await eventually(async () => expect((await master.subnets.ensure('n1', '192.168.50.1')).subnet!.toString()).to.equal('10.128.2.0/23'), 2000);
  });
});
