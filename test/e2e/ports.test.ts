// lib/ovs's port changes over the kept OVSDB connection, against a real ovsdb-server and ovs-vswitchd.
import { expect } from 'chai';
import { localRunner } from '../../lib/exec/command.js';
import { OvsSwitch } from '../../lib/ovs/switch.js';
import { startNodePlane } from '../support/nodeplane.js';
import { randomPrefix, Sandbox, type SandboxNode } from '../support/sandbox/index.js';

describe('OVS ports through OVSDB (one sandbox node)', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let node: SandboxNode;
  let ovs: OvsSwitch;

  const vsctl = async (...args: string[]) => (await node.vsctl(args)).stdout.trim();
  const rowCount = async (table: string) => (await vsctl('--columns=_uuid', '--format=csv', '--no-headings', 'list', table))
    .split('\n').filter(Boolean).length;
  const veth = (name: string) => node.exec('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);

  before(async () => {
    sandbox = await Sandbox.create({ prefix: randomPrefix('kpt'), nodes: 1, underlaySubnet: '10.75.0.0/24' });
    node = sandbox.nodes[0]!;
    await startNodePlane(node, '10.143.254.0/23');
    ovs = new OvsSwitch(localRunner(), { bridge: 'br0', runDir: node.ovsRunDir, datapathType: 'netdev' });
  });

  after(async () => {
    ovs?.close();
    await sandbox?.destroy();
  });

  it('adds a port and returns the ofport ovs-vswitchd gave it, with its external_ids', async () => {
    await veth('pa');
    const ofport = await ovs.ensurePort({ name: 'pa', externalIds: { 'k8s-ovs-ip': '10.143.254.5', 'k8s-ovs-pod': 'a b' } });
    expect(ofport).to.equal(Number(await vsctl('get', 'Interface', 'pa', 'ofport')));
    expect(ofport).to.be.greaterThan(0);
    expect(await vsctl('get', 'Interface', 'pa', 'external_ids')).to.equal('{k8s-ovs-ip="10.143.254.5", k8s-ovs-pod="a b"}');
    expect(await vsctl('port-to-br', 'pa')).to.equal('br0');
  });

  it('keeps an existing port and its ofport, replacing its external_ids', async () => {
    const before = Number(await vsctl('get', 'Interface', 'pa', 'ofport'));
    expect(await ovs.ensurePort({ name: 'pa', externalIds: { 'k8s-ovs-ip': '10.143.254.6' } })).to.equal(before);
    expect(await vsctl('get', 'Interface', 'pa', 'external_ids')).to.equal('{k8s-ovs-ip="10.143.254.6"}');
    expect((await vsctl('list-ports', 'br0')).split('\n').filter((p) => p === 'pa')).to.have.length(1);
  });

  it('refuses a port whose device does not exist, saying why, and leaves no row behind', async () => {
    const error = await ovs.ensurePort({ name: 'ghost0' }).catch((e: unknown) => e as Error);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/ghost0 no usable ofport.*No such device/);
    expect(await vsctl('list-ports', 'br0')).to.not.include('ghost0');
    expect(await vsctl('--if-exists', 'get', 'Interface', 'ghost0', 'name')).to.equal('');
  });

  it('replaces a rate limit without leaving the old QoS and Queue rows', async () => {
    await ovs.setPortRateLimit('pa', 10_000_000, 1_000_000);
    await ovs.setPortRateLimit('pa', 20_000_000, 2_000_000);
    expect([await rowCount('QoS'), await rowCount('Queue')]).to.deep.equal([1, 1]);
    const qos = await vsctl('get', 'Port', 'pa', 'qos');
    expect(await vsctl('get', 'QoS', qos, 'other_config:max-rate')).to.equal('"20000000"');
    expect(await vsctl('get', 'QoS', qos, 'type')).to.equal('linux-htb');
  });

  it('refuses a rate limit on a missing port and creates no QoS row', async () => {
    const before = await rowCount('QoS');
    const error = await ovs.setPortRateLimit('nothere', 1_000_000, 100_000).catch((e: unknown) => e as Error);
    expect((error as Error).message).to.equal('cannot limit port nothere: it does not exist');
    expect(await rowCount('QoS')).to.equal(before);
  });

  it('deletes a port with its QoS rows in one go, and again without complaint', async () => {
    await veth('pb');
    await ovs.ensurePort({ name: 'pb' });
    const before = [await rowCount('QoS'), await rowCount('Queue')];
    await ovs.setPortRateLimit('pb', 10_000_000, 1_000_000);
    expect([await rowCount('QoS'), await rowCount('Queue')]).to.deep.equal(before.map((n) => n + 1));
    await ovs.deletePort('pb');
    await ovs.deletePort('pb');
    expect(await vsctl('list-ports', 'br0')).to.not.include('pb');
    expect([await rowCount('QoS'), await rowCount('Queue')]).to.deep.equal(before);
    expect(await vsctl('--if-exists', 'get', 'Interface', 'pb', 'name')).to.equal('');
  });

  it('waits for a restarted ovs-vswitchd to number a port added meanwhile', async () => {
    await veth('pc');
    await node.ovs.stopVswitchd();
    const adding = ovs.ensurePort({ name: 'pc' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await node.ovs.startVswitchd();
    expect(await adding).to.equal(Number(await vsctl('get', 'Interface', 'pc', 'ofport')));
  });

  it('reconnects when ovsdb-server restarts under it', async () => {
    await veth('pd');
    await node.ovs.restartOvsdb();
    const ofport = await ovs.ensurePort({ name: 'pd' });
    expect(ofport).to.equal(Number(await vsctl('get', 'Interface', 'pd', 'ofport')));
    await ovs.deletePort('pd');
    expect(await vsctl('list-ports', 'br0')).to.not.include('pd');
  });
});
