// Issue 8 bad input through the paths users have: etcdctl-written JSON and CNI requests. Clear errors, no partial state.
import { expect } from 'chai';
import { mkdir, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { SandboxApiServer } from '../support/kube.js';
import { hostPortName } from '../../lib/sdn/node/podports.js';
import { ping, type PodNetns, type SandboxNode } from '../support/sandbox/index.js';
import { run as runCommand } from '../support/sandbox/process.js';

const NET = `${PREFIX}/k8ssdn`;

describe('bad input: hostile etcd records and CNI requests (sandbox, real etcd)', function () {
  this.timeout(180_000);
  let cluster: SandboxCluster;
  let api: SandboxApiServer;
  let n1: SandboxNode;
  let probe: PodNetns;
  let probeIp: string;

  const ports = async () => (await n1.vsctl(['list-ports', 'br0'])).stdout.split('\n').filter((p) => p.startsWith('ko'));
  const addresses = async () => readdir(path.join(cluster.nodeDir(n1), 'state', 'ipam', 'addresses'));
  const stillServes = async () => (await ping(probe, cluster.sandbox.hub.ip, { count: 2, timeoutS: 1 })).received > 0;
  const netnsError = async (ns: string) => waitUntil(`the master's verdict on ${ns}`,
    async () => (await cluster.etcdGet(`${NET}/netnamespace-errors/${ns}`)) as { Action: string; Error: string } | undefined);

  before(async () => {
    cluster = await SandboxCluster.start({ nodes: 1, underlaySubnet: '10.79.0.0/24', config: MULTITENANT_CONFIG });
    n1 = cluster.node('n1');
    api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    await api.node('n1', n1.ip);
    for (const ns of ['red', 'blue', 'green']) await api.namespace(ns);
    await cluster.startDaemon(n1, ['--kubeconfig', api.kubeconfig]);
    await api.pod('red', 'probe', 'n1');
    probe = await cluster.sandbox.createPodNetns('probe');
    const add = await cluster.cni(n1, 'ADD', { containerId: 'ctr-probe', netns: probe.netnsPath, namespace: 'red', pod: 'probe' });
    expect(add.exitCode, add.stdout).to.equal(0);
    probeIp = ((add.json!.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!;
    await waitUntil('netnamespaces for red, blue and green', async () => (await cluster.etcdList(`${NET}/netnamespaces/`)).size >= 5);
  });

  after(async () => {
    await cluster?.destroy();
  });

  it('rejects a config that is not JSON or names a bad field, and keeps running the last good one', async () => {
    await cluster.etcdctl('put', `${PREFIX}/config`, '{"Name":"k8ssdn",');
    await cluster.etcdctl('put', `${PREFIX}/config`, JSON.stringify({ ...MULTITENANT_CONFIG, ServiceNetwork: '10.128.0.0/16' }));
    await cluster.etcdctl('put', `${PREFIX}/config`, JSON.stringify({ ...MULTITENANT_CONFIG, HostSubnetLength: 30 }));
    await waitUntil('the rejections in the log', async () => (await cluster.log(n1)).split('rejected the network config').length > 3);
    const log = await cluster.log(n1);
    expect(log).to.match(/rejected the network config .*field=ServiceNetwork/);
    expect(log).to.match(/rejected the network config .*field=HostSubnetLength/);
    expect(await stillServes()).to.equal(true);
    await cluster.etcdctl('put', `${PREFIX}/config`, JSON.stringify(MULTITENANT_CONFIG));
  });

  it('says which config changes need a restart and keeps the old value', async () => {
    await cluster.etcdctl('put', `${PREFIX}/config`, JSON.stringify({ ...MULTITENANT_CONFIG, Network: '10.0.0.0/14' }));
    await waitUntil('the restart notice', async () => /needs a restart .*field=Network/.test(await cluster.log(n1)));
    expect(await stillServes()).to.equal(true);
    await cluster.etcdctl('put', `${PREFIX}/config`, JSON.stringify(MULTITENANT_CONFIG));
  });

  it('rejects unknown actions, joins to unknown namespaces and out-of-range NetIDs with a reason, changing nothing else', async () => {
    const before = (await cluster.etcdGet(`${NET}/netnamespaces/blue`)) as { NetID: number };
    await cluster.etcdctl('put', `${NET}/netnamespaces/blue`, JSON.stringify({ NetName: 'blue', NetID: before.NetID, Action: 'merge', Namespace: '' }));
    expect((await netnsError('blue')).Error).to.match(/merge/);
    await cluster.etcdctl('put', `${NET}/netnamespaces/green`, JSON.stringify({ NetName: 'green', NetID: 0, Action: 'join', Namespace: 'nowhere' }));
    expect((await netnsError('green')).Error).to.match(/nowhere/);
    const blue = await waitUntil('blue\'s action cleared', async () => {
      const record = (await cluster.etcdGet(`${NET}/netnamespaces/blue`)) as { NetID: number; Action: string };
      return record.Action === '' ? record : undefined;
    });
    expect(blue.NetID).to.equal(before.NetID);
    await cluster.etcdctl('put', `${NET}/netnamespaces/red`, '{"NetName":"red","NetID":99999999,"Action":"","Namespace":""}');
    await waitUntil('red repaired to a valid VNID', async () => {
      const record = (await cluster.etcdGet(`${NET}/netnamespaces/red`)) as { NetID: number };
      return record.NetID !== 99999999 && record.NetID <= 0xffffff;
    });
    expect(await stillServes()).to.equal(true);
  });

  it('resolves a join loop (each joins the other at once) to one shared VNID', async () => {
    const [blue, green] = await Promise.all(['blue', 'green'].map(async (ns) => (await cluster.etcdGet(`${NET}/netnamespaces/${ns}`)) as { NetID: number }));
    await Promise.all([
      cluster.etcdctl('put', `${NET}/netnamespaces/blue`, JSON.stringify({ NetName: 'blue', NetID: blue!.NetID, Action: 'join', Namespace: 'green' })),
      cluster.etcdctl('put', `${NET}/netnamespaces/green`, JSON.stringify({ NetName: 'green', NetID: green!.NetID, Action: 'join', Namespace: 'blue' })),
    ]);
    const settled = await waitUntil('both actions processed', async () => {
      const records = await Promise.all(['blue', 'green'].map(async (ns) => (await cluster.etcdGet(`${NET}/netnamespaces/${ns}`)) as { NetID: number; Action: string }));
      return records.every((r) => r.Action === '') ? records : undefined;
    });
    expect(settled[0]!.NetID).to.equal(settled[1]!.NetID);
  });

  it('ignores garbage written to a subnet or netnamespace key, logging it once', async () => {
    await cluster.etcdctl('put', `${NET}/subnets/10.79.0.77`, 'not json at all');
    await cluster.etcdctl('put', `${NET}/netnamespaces/red`, '{"NetName":"red","NetID":"eleven"}');
    await waitUntil('the node to log both', async () => (await cluster.log(n1)).split('ignoring an invalid record').length > 2);
    expect(await stillServes()).to.equal(true);
    await cluster.etcdctl('del', `${NET}/subnets/10.79.0.77`);
  });

  it('answers ADD into a network namespace that does not exist with an error and leaves nothing', async () => {
    const [portsBefore, addressesBefore] = [await ports(), await addresses()];
    const run = await cluster.cni(n1, 'ADD', { containerId: 'ctr-ghost', netns: '/var/run/netns/does-not-exist', namespace: 'red', pod: 'ghost' });
    expect(run.exitCode).to.not.equal(0);
    expect(run.json).to.have.property('msg').that.is.a('string');
    expect(await ports()).to.deep.equal(portsBefore);
    expect(await addresses()).to.deep.equal(addressesBefore);
  });

  it('refuses a bandwidth annotation that is not a quantity, naming it, and leaves nothing', async () => {
    await api.pod('red', 'greedy', 'n1', { 'kubernetes.io/ingress-bandwidth': 'lots' });
    const netns = await cluster.sandbox.createPodNetns('greedy');
    const [portsBefore, addressesBefore] = [await ports(), await addresses()];
    const run = await cluster.cni(n1, 'ADD', { containerId: 'ctr-greedy', netns: netns.netnsPath, namespace: 'red', pod: 'greedy' });
    expect(run.exitCode).to.not.equal(0);
    expect(run.json).to.include({ code: 7 });
    expect(String(run.json!.msg)).to.include('kubernetes.io/ingress-bandwidth');
    expect(await ports()).to.deep.equal(portsBefore);
    expect(await addresses()).to.deep.equal(addressesBefore);
    expect((await netns.exec('ip', ['link', 'show', 'eth0'], { reject: false })).exitCode).to.not.equal(0);
  });

  it('refuses ADD when the pod already has an interface of that name, and leaves it and everything else alone', async () => {
    const netns = await cluster.sandbox.createPodNetns('taken');
    await netns.exec('ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0']);
    const [portsBefore, addressesBefore] = [await ports(), await addresses()];
    const run = await cluster.cni(n1, 'ADD', { containerId: 'ctr-taken', netns: netns.netnsPath, namespace: 'red', pod: 'taken' });
    expect(run.exitCode).to.not.equal(0);
    expect(String(run.json!.msg)).to.equal('interface already exists');
    expect((await netns.exec('ip', ['link', 'show', 'eth0'])).stdout).to.include('eth0@other0');
    expect(await ports()).to.deep.equal(portsBefore);
    expect(await addresses()).to.deep.equal(addressesBefore);
    expect((await n1.exec('ip', ['link', 'show', hostPortName('ctr-taken', 'eth0')], { reject: false })).exitCode).to.not.equal(0);
  });

  it('attaches a pod whose host-side veth name a crashed ADD left behind', async () => {
    await api.pod('red', 'phoenix', 'n1');
    const netns = await cluster.sandbox.createPodNetns('phoenix');
    const hostEnd = hostPortName('ctr-phoenix', 'eth0');
    await n1.exec('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'leftover0']);
    const run = await cluster.cni(n1, 'ADD', { containerId: 'ctr-phoenix', netns: netns.netnsPath, namespace: 'red', pod: 'phoenix' });
    expect(run.exitCode, run.stdout).to.equal(0);
    expect((await n1.exec('ip', ['link', 'show', 'leftover0'], { reject: false })).exitCode).to.not.equal(0);
    expect((await ping(netns, probeIp, { count: 2, timeoutS: 2 })).received).to.be.greaterThan(0);
    expect((await cluster.cni(n1, 'DEL', { containerId: 'ctr-phoenix', netns: netns.netnsPath, namespace: 'red', pod: 'phoenix' })).exitCode).to.equal(0);
    expect(await ports()).to.have.length(1);
  });

  it('takes everything back when the pod side of an ADD fails (its netns already has a default route)', async () => {
    await api.pod('red', 'routed', 'n1');
    const netns = await cluster.sandbox.createPodNetns('routed');
    await netns.exec('ip', ['link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1']);
    await netns.exec('ip', ['addr', 'add', '192.0.2.2/24', 'dev', 'up0']);
    await netns.exec('ip', ['link', 'set', 'up0', 'up']);
    await netns.exec('ip', ['route', 'add', 'default', 'via', '192.0.2.1']);
    const [portsBefore, addressesBefore] = [await ports(), await addresses()];
    const flowsBefore = (await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats'])).stdout.split('\n').filter(Boolean).length;
    const run = await cluster.cni(n1, 'ADD', { containerId: 'ctr-routed', netns: netns.netnsPath, namespace: 'red', pod: 'routed' });
    expect(run.exitCode).to.not.equal(0);
    expect(String(run.json!.details ?? run.json!.msg)).to.match(/File exists/);
    expect(await ports()).to.deep.equal(portsBefore);
    expect(await addresses()).to.deep.equal(addressesBefore);
    expect((await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats'])).stdout.split('\n').filter(Boolean).length).to.equal(flowsBefore);
    expect((await n1.exec('ip', ['link', 'show', hostPortName('ctr-routed', 'eth0')], { reject: false })).exitCode).to.not.equal(0);
    expect((await netns.exec('ip', ['link', 'show', 'eth0'], { reject: false })).exitCode).to.not.equal(0);
  });

  it('keeps port and address in agreement under concurrent ADD and DEL of one container', async () => {
    await api.pod('red', 'racer', 'n1');
    const netns = await cluster.sandbox.createPodNetns('racer');
    const call = { containerId: 'ctr-racer', netns: netns.netnsPath, namespace: 'red', pod: 'racer' };
    for (let round = 0; round < 5; round++) {
      await Promise.all([cluster.cni(n1, 'ADD', call), cluster.cni(n1, 'DEL', call), cluster.cni(n1, 'ADD', call)]);
      const hasPort = (await ports()).length === 2;
      const hasInterface = (await netns.exec('ip', ['link', 'show', 'eth0'], { reject: false })).exitCode === 0;
      const addressCount = (await addresses()).length;
      expect({ hasPort, hasInterface, addressCount }, `round ${round}`).to.deep.equal(
        hasPort ? { hasPort, hasInterface: true, addressCount: 2 } : { hasPort, hasInterface: false, addressCount: 1 });
    }
    expect((await cluster.cni(n1, 'DEL', call)).exitCode).to.equal(0);
    expect(await ports()).to.have.length(1);
    expect(await addresses()).to.deep.equal([probeIp]);
  });

  const restartDaemon = async () => {
    await cluster.stopDaemon(n1);
    await cluster.startDaemon(n1, ['--kubeconfig', api.kubeconfig]);
  };
  const ipamDir = () => path.join(cluster.nodeDir(n1), 'state', 'ipam');

  it('starts over damaged IPAM records: a running pod\'s record is written again, a directory in a record\'s place is left alone', async () => {
    const probeRecord = path.join(ipamDir(), 'addresses', probeIp);
    const owner = await readlink(probeRecord);
    await rm(probeRecord);
    await writeFile(probeRecord, 'garbage');
    const squatted = probeIp.replace(/\d+$/, '200');
    await mkdir(path.join(ipamDir(), 'addresses', squatted));
    await restartDaemon();
    expect(await readlink(probeRecord), 'the probe\'s record, repaired from its OVS port').to.equal(owner);
    expect(await cluster.log(n1)).to.match(/IPAM records of running pods were missing or damaged; written again/);
    await api.pod('red', 'after-repair', 'n1');
    const netns = await cluster.sandbox.createPodNetns('after-repair');
    const add = await cluster.cni(n1, 'ADD', { containerId: 'ctr-after-repair', netns: netns.netnsPath, namespace: 'red', pod: 'after-repair' });
    expect(add.exitCode, add.stdout).to.equal(0);
    expect((add.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0]).to.not.be.oneOf([probeIp, squatted]);
    expect((await cluster.cni(n1, 'DEL', { containerId: 'ctr-after-repair', netns: netns.netnsPath })).exitCode).to.equal(0);
    await rm(path.join(ipamDir(), 'addresses', squatted), { recursive: true });
  });

  it('answers ADD with CNI error 5 while the state directory is full or read-only, hands nothing out, and frees on the DEL after', async () => {
    // A tiny tmpfs with few inodes stands for the state disk: a copy of the records goes onto it first.
    const saved = path.join(cluster.nodeDir(n1), 'ipam-saved');
    await cluster.stopDaemon(n1);
    await runCommand('cp', ['-a', ipamDir(), saved]);
    await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=64k,nr_inodes=48,mode=0700', 'k8s-ovs-test-ipam', ipamDir()]);
    try {
      await runCommand('cp', ['-a', `${saved}/.`, ipamDir()]);
      await cluster.startDaemon(n1, ['--kubeconfig', api.kubeconfig]);
      const fill = path.join(ipamDir(), 'fill');
      await mkdir(fill);
      for (let i = 0; await writeFile(path.join(fill, String(i)), '').then(() => true, () => false); i++);
      await api.pod('red', 'cramped', 'n1');
      const netns = await cluster.sandbox.createPodNetns('cramped');
      const call = { containerId: 'ctr-cramped', netns: netns.netnsPath, namespace: 'red', pod: 'cramped' };
      const [portsBefore, addressesBefore] = [await ports(), await addresses()];
      const full = await cluster.cni(n1, 'ADD', call);
      expect(full.exitCode).to.not.equal(0);
      expect(full.json).to.include({ code: 5 });
      expect(String(full.json!.details)).to.match(/full \(ENOSPC\)/);
      expect(await ports()).to.deep.equal(portsBefore);
      expect(await addresses()).to.deep.equal(addressesBefore);
      expect((await netns.exec('ip', ['link', 'show', 'eth0'], { reject: false })).exitCode).to.not.equal(0);
      await rm(fill, { recursive: true });
      const roomy = await cluster.cni(n1, 'ADD', call);
      expect(roomy.exitCode, roomy.stdout).to.equal(0);
      const ip = (roomy.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!;

      await runCommand('mount', ['-o', 'remount,ro', ipamDir()]);
      await api.pod('red', 'frozen', 'n1');
      const frozen = await cluster.sandbox.createPodNetns('frozen');
      const readOnly = await cluster.cni(n1, 'ADD', { containerId: 'ctr-frozen', netns: frozen.netnsPath, namespace: 'red', pod: 'frozen' });
      expect(readOnly.json).to.include({ code: 5 });
      expect(String(readOnly.json!.details)).to.match(/read-only \(EROFS\)/);
      const del = await cluster.cni(n1, 'DEL', call);
      expect(del.json, 'DEL cannot free the address on a read-only disk').to.include({ code: 5 });
      expect(await addresses(), 'the record stays: nothing is lost').to.include(ip);
      await runCommand('mount', ['-o', 'remount,rw', ipamDir()]);
      expect((await cluster.cni(n1, 'DEL', call)).exitCode, 'the runtime\'s next DEL').to.equal(0);
      expect(await addresses()).to.deep.equal(addressesBefore);
      expect(await ports()).to.deep.equal(portsBefore);
    } finally {
      await cluster.stopDaemon(n1);
      await runCommand('umount', [ipamDir()]);
      await rm(saved, { recursive: true, force: true });
    }
  });
});
