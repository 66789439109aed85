// The built-in IPAM against real temp directories: uniqueness, reserved addresses, persistence, reconcile.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cidr } from '../../../../lib/net/ipv4.js';
import { HostSubnetIpam } from '../../../../lib/sdn/ipam/allocator.js';
import { IpamConfigError, IpamExhaustedError } from '../../../../lib/sdn/ipam/errors.js';

describe('host-subnet IPAM', function () {
  let base: string;
  let count = 0;
  const small = Cidr.parse('10.128.0.0/29');

  async function open(subnet = small, stateDir?: string): Promise<HostSubnetIpam> {
    return HostSubnetIpam.open({ stateDir: stateDir ?? path.join(base, `state-${++count}`), subnet });
  }

  before(async function () {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-ipam-'));
  });

  after(async function () {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('hands out every host address once, never the network, gateway or broadcast, then fails naming the subnet', async function () {
    const ipam = await open();
    const ips = [];
    for (let i = 0; i < 5; i++) ips.push((await ipam.allocate(`c${i}`, 'eth0')).ip);
    expect([...ips].sort()).to.deep.equal(['10.128.0.2', '10.128.0.3', '10.128.0.4', '10.128.0.5', '10.128.0.6']);
    const error = await ipam.allocate('c5', 'eth0').then(() => undefined, (err: unknown) => err);
    expect(error).to.be.instanceOf(IpamExhaustedError);
    expect((error as Error).message).to.match(/no free address in 10\.128\.0\.0\/29: all 5/);
  });

  it('returns the prefix length and the .1 gateway with the address', async function () {
    const ipam = await open(Cidr.parse('10.128.2.0/23'));
    expect(await ipam.allocate('c1', 'eth0')).to.deep.equal({ ip: '10.128.2.2', prefixLength: 23, gateway: '10.128.2.1' });
  });

  it('gives an attachment that already holds an address the same address', async function () {
    const ipam = await open();
    const first = await ipam.allocate('c1', 'eth0');
    expect(await ipam.allocate('c1', 'eth0')).to.deep.equal(first);
    expect((await ipam.allocate('c1', 'net1')).ip).to.not.equal(first.ip);
    expect(await ipam.list()).to.have.length(2);
  });

  it('keeps allocations across a new allocator instance (a daemon restart)', async function () {
    const stateDir = path.join(base, 'restart');
    const before = await open(small, stateDir);
    const a = await before.allocate('c1', 'eth0');
    const b = await before.allocate('c2', 'eth0');
    const after = await open(small, stateDir);
    expect(await after.lookup('c1', 'eth0')).to.deep.equal(a);
    expect(await after.allocate('c2', 'eth0')).to.deep.equal(b);
    expect((await after.allocate('c3', 'eth0')).ip).to.not.be.oneOf([a.ip, b.ip]);
  });

  it('releases by container ID, repeatably, and does not reuse a freed address at once', async function () {
    const ipam = await open();
    const a = await ipam.allocate('c1', 'eth0');
    await ipam.allocate('c1', 'net1');
    expect(await ipam.release('c1', 'net1')).to.have.length(1);
    expect(await ipam.release('c1')).to.deep.equal([a.ip]);
    expect(await ipam.release('c1')).to.deep.equal([]);
    expect(await ipam.list()).to.deep.equal([]);
    const next = await ipam.allocate('c2', 'eth0');
    expect(next.ip).to.equal('10.128.0.4');
    // After the last host address the scan wraps to the first free one.
    await ipam.allocate('c3', 'eth0');
    await ipam.allocate('c4', 'eth0');
    expect((await ipam.allocate('c5', 'eth0')).ip).to.equal('10.128.0.2');
  });

  it('reconcile frees the addresses of containers that no longer exist', async function () {
    const ipam = await open();
    await ipam.allocate('live', 'eth0');
    const gone = await ipam.allocate('gone', 'eth0');
    const report = await ipam.reconcile(['live']);
    expect(report.released).to.deep.equal([{ ip: gone.ip, containerId: 'gone', ifname: 'eth0' }]);
    expect(report.outOfSubnet).to.deep.equal([]);
    expect((await ipam.list()).map((r) => r.containerId)).to.deep.equal(['live']);
  });

  it('after a HostSubnet change, gives new addresses and reports or frees the old ones on reconcile', async function () {
    const stateDir = path.join(base, 'moved');
    const old = await open(Cidr.parse('10.128.0.0/24'), stateDir);
    const oldLive = await old.allocate('live', 'eth0');
    const oldGone = await old.allocate('gone', 'eth0');
    const moved = await open(Cidr.parse('10.128.4.0/24'), stateDir);
    expect(await moved.lookup('live', 'eth0')).to.equal(undefined);
    const fresh = await moved.allocate('live', 'eth0');
    expect(moved.subnet.contains(fresh.ip)).to.equal(true);
    const report = await moved.reconcile(['live']);
    expect(report.released).to.deep.equal([{ ip: oldGone.ip, containerId: 'gone', ifname: 'eth0' }]);
    expect(report.outOfSubnet).to.deep.equal([{ ip: oldLive.ip, containerId: 'live', ifname: 'eth0' }]);
    await moved.release('live');
    expect(await moved.list()).to.deep.equal([]);
  });

  it('does not treat an old address that became the new gateway as a pod address', async function () {
    const stateDir = path.join(base, 'shrunk');
    const wide = await open(Cidr.parse('10.128.0.0/23'), stateDir);
    // An older daemon's scan position: the next address handed out is 10.128.1.1.
    await fs.writeFile(path.join(stateDir, 'last-reserved'), '10.128.1.0\n');
    expect((await wide.allocate('live', 'eth0')).ip).to.equal('10.128.1.1');
    const upper = await open(Cidr.parse('10.128.1.0/24'), stateDir);
    expect(upper.gateway).to.equal('10.128.1.1');
    expect(await upper.lookup('live', 'eth0')).to.equal(undefined);
    expect((await upper.reconcile(['live'])).outOfSubnet).to.deep.equal(
      [{ ip: '10.128.1.1', containerId: 'live', ifname: 'eth0' }]);
  });

  it('treats an unreadable record as held until reconcile frees it', async function () {
    const stateDir = path.join(base, 'junk');
    const ipam = await open(small, stateDir);
    await fs.writeFile(path.join(stateDir, 'addresses', '10.128.0.2'), 'garbage', { mode: 0o600 });
    await fs.writeFile(path.join(stateDir, 'addresses', 'README'), 'not a record', { mode: 0o600 });
    expect((await ipam.allocate('c1', 'eth0')).ip).to.equal('10.128.0.3');
    expect((await ipam.reconcile(['c1'])).released).to.deep.equal([
      { ip: '10.128.0.2', containerId: '', ifname: '', problem: 'a regular file, not a record' }]);
  });

  it('holds the address of a damaged record, and reconcile neither deletes nor trips over a directory in its place', async function () {
    const stateDir = path.join(base, 'damaged');
    const ipam = await open(small, stateDir);
    await fs.mkdir(path.join(stateDir, 'addresses', '10.128.0.2'));
    await fs.symlink('no-ifname', path.join(stateDir, 'addresses', '10.128.0.3'));
    await fs.symlink('a/b/c', path.join(stateDir, 'addresses', '10.128.0.4'));
    expect((await ipam.allocate('c1', 'eth0')).ip, 'damaged records still hold their addresses').to.equal('10.128.0.5');
    const { released } = await ipam.reconcile(['c1']);
    expect(released.map((r) => `${r.ip} ${r.problem}`)).to.deep.equal([
      '10.128.0.3 points to "no-ifname", not <containerId>/<ifname>', '10.128.0.4 points to "a/b/c", not <containerId>/<ifname>']);
    expect((await fs.stat(path.join(stateDir, 'addresses', '10.128.0.2'))).isDirectory(), 'the directory stays').to.equal(true);
    expect((await ipam.list()).map((r) => r.ip)).to.deep.equal(['10.128.0.2', '10.128.0.5']);
  });

  it('repair writes a running pod\'s missing or damaged record again, so reconcile keeps its address', async function () {
    const stateDir = path.join(base, 'repair');
    const ipam = await open(small, stateDir);
    const a = (await ipam.allocate('c1', 'eth0')).ip;
    const b = (await ipam.allocate('c2', 'eth0')).ip;
    await fs.rm(path.join(stateDir, 'addresses', a));
    await fs.rm(path.join(stateDir, 'addresses', b));
    await fs.writeFile(path.join(stateDir, 'addresses', b), 'garbage');
    expect(await ipam.repair([{ containerId: 'c1', ifname: 'eth0', ip: a }, { containerId: 'c2', ifname: 'eth0', ip: b }]))
      .to.deep.equal([a, b]);
    expect((await ipam.reconcile(['c1', 'c2'])).released).to.deep.equal([]);
    expect(await ipam.list()).to.deep.equal([{ ip: a, containerId: 'c1', ifname: 'eth0' }, { ip: b, containerId: 'c2', ifname: 'eth0' }]);
    expect((await ipam.allocate('c3', 'eth0')).ip, 'neither address handed out again').to.not.be.oneOf([a, b]);
  });

  it('keeps its state in a 0700 directory and refuses one open to others', async function () {
    const stateDir = path.join(base, 'modes');
    await open(small, stateDir);
    expect((await fs.stat(stateDir)).mode & 0o777).to.equal(0o700);
    expect((await fs.stat(path.join(stateDir, 'addresses'))).mode & 0o777).to.equal(0o700);
    const openDir = path.join(base, 'open');
    await fs.mkdir(openDir);
    await fs.chmod(openDir, 0o755);
    await open(small, openDir).then(() => expect.fail('opened'), (err: Error) => {
      expect(err).to.be.instanceOf(IpamConfigError);
      expect(err.message).to.match(/mode 0700/);
    });
  });

  it('rejects subnets without room for a pod, and keys that are not CNI identifiers', async function () {
    await open(Cidr.parse('10.0.0.0/31')).then(() => expect.fail('opened'), (err: Error) =>
      expect(err).to.be.instanceOf(IpamConfigError));
    const ipam = await open(Cidr.parse('10.0.0.0/30'));
    expect((await ipam.allocate('c1', 'eth0')).ip).to.equal('10.0.0.2');
    for (const [id, ifname] of [['../x', 'eth0'], ['c1', 'a/b'], ['', 'eth0'], ['c1', '']]) {
      await ipam.allocate(id!, ifname!).then(() => expect.fail(`accepted ${id} ${ifname}`), (err: Error) =>
        expect(err).to.be.instanceOf(IpamConfigError));
    }
  });

  it('never hands one address to two callers racing on two instances of one directory', async function () {
    const stateDir = path.join(base, 'race');
    const subnet = Cidr.parse('10.128.0.0/26');
    const [a, b] = [await open(subnet, stateDir), await open(subnet, stateDir)];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).allocate(`c${i}`, 'eth0')));
    expect(new Set(results.map((r) => r.ip)).size).to.equal(40);
    expect(await a.list()).to.have.length(40);
  });
});
