// The on-disk records: exclusive creation and what a record looks like to an operator.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIpv4 } from '../../../../lib/net/ipv4.js';
import { AllocationStore } from '../../../../lib/sdn/ipam/store.js';

describe('IPAM allocation store', function () {
  let base: string;

  before(async function () {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-store-'));
  });

  after(async function () {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('claims an address once: a second claim, even for the same container, is refused', async function () {
    const store = await AllocationStore.open(path.join(base, 'claim'));
    const ip = parseIpv4('10.1.0.2');
    expect(await store.claim(ip, 'c1', 'eth0')).to.equal(true);
    expect(await store.claim(ip, 'c2', 'eth0')).to.equal(false);
    expect(await store.claim(ip, 'c1', 'eth0')).to.equal(false);
    expect(await store.list()).to.deep.equal([{ ip, containerId: 'c1', ifname: 'eth0' }]);
  });

  it('writes a record an operator can read with ls -l: addresses/<ip> -> <container>/<ifname>', async function () {
    const stateDir = path.join(base, 'layout');
    const store = await AllocationStore.open(stateDir);
    await store.claim(parseIpv4('10.1.0.3'), 'abc123', 'eth0');
    expect(await fs.readlink(path.join(stateDir, 'addresses', '10.1.0.3'))).to.equal('abc123/eth0');
    await store.remove([parseIpv4('10.1.0.3')]);
    expect(await fs.readdir(path.join(stateDir, 'addresses'))).to.deep.equal([]);
  });

  it('keeps the scan position in a 0600 file and ignores a damaged one', async function () {
    const stateDir = path.join(base, 'hint');
    const store = await AllocationStore.open(stateDir);
    expect(await store.lastReserved()).to.equal(undefined);
    await store.setLastReserved(parseIpv4('10.1.0.9'));
    expect(await store.lastReserved()).to.equal('10.1.0.9');
    expect((await fs.stat(path.join(stateDir, 'last-reserved'))).mode & 0o777).to.equal(0o600);
    await fs.writeFile(path.join(stateDir, 'last-reserved'), '10.1.0');
    expect(await store.lastReserved()).to.equal(undefined);
  });
});
