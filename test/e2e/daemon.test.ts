// The daemons end to end: etcd config, HostSubnets, VNIDs written with etcdctl, pods added through the CNI plugin.
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { ping, type PodNetns, type SandboxNode } from '../support/sandbox/index.js';

interface Pod { name: string; netns: PodNetns; node: SandboxNode; ip: string; result: Record<string, unknown> }
const NS = `${PREFIX}/k8ssdn/netnamespaces/`;

describe('k8s-ovs daemons on a two-node sandbox with etcd', function () {
  this.timeout(180_000);
  let cluster: SandboxCluster;
  let n1: SandboxNode, n2: SandboxNode;
  const pods = new Map<string, Pod>();
  const reaches = async (from: string, to: string) =>
    (await ping(pods.get(from)!.netns, pods.get(to)!.ip, { count: 3, intervalMs: 200, timeoutS: 1 })).received > 0;

  async function addPod(name: string, node: SandboxNode, namespace: string): Promise<Pod> {
    const netns = await cluster.sandbox.createPodNetns(name);
    const run = await cluster.cni(node, 'ADD', { containerId: `ctr-${name}`, netns: netns.netnsPath, namespace, pod: name });
    expect(run.exitCode, `ADD ${name}: ${run.stdout} ${run.stderr}`).to.equal(0);
    const ip = ((run.json!.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!;
    const pod = { name, netns, node, ip, result: run.json! };
    pods.set(name, pod);
    return pod;
  }

  before(async () => {
    cluster = await SandboxCluster.start({ nodes: 2, underlaySubnet: '10.95.0.0/24', config: MULTITENANT_CONFIG });
    [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
    // Without Kubernetes an admin numbers namespaces by hand; the master adopts hand-written NetIDs.
    await cluster.etcdctl('put', `${NS}red`, '{"NetName":"red","NetID":11,"Action":"","Namespace":""}');
    await cluster.etcdctl('put', `${NS}blue`, '{"NetName":"blue","NetID":12,"Action":"","Namespace":""}');
    await Promise.all([cluster.startDaemon(n1), cluster.startDaemon(n2)]);
  });

  after(async () => {
    await cluster?.destroy();
  });

  it('gives each node its own HostSubnet through the master, with Assign cleared', async () => {
    const subnets = await cluster.etcdList(`${PREFIX}/k8ssdn/subnets/`);
    expect([...subnets.keys()].sort()).to.deep.equal([n1.ip, n2.ip].sort());
    const values = [...subnets.values()] as Array<{ Host: string; Subnet: string; Assign: boolean }>;
    expect(values.map((v) => v.Assign)).to.deep.equal([false, false]);
    expect(new Set(values.map((v) => v.Subnet)).size).to.equal(2);
    for (const v of values) expect(v.Subnet).to.match(/^10\.(128|129|130|131)\.\d+\.0\/23$/);
  });

  it('adds pods through the plugin with addresses from the node subnet and a CNI 1.0.0 result', async () => {
    const a = await addPod('red-a', n1, 'red');
    await addPod('red-b', n2, 'red');
    await addPod('blue-b', n2, 'blue');
    const subnet = ((await cluster.etcdGet(`${PREFIX}/k8ssdn/subnets/${n1.ip}`)) as { Subnet: string }).Subnet;
    const gateway = subnet.replace(/0\/23$/, '1');
    expect(a.result).to.deep.include({ cniVersion: '1.0.0' });
    expect(a.result.ips).to.deep.equal([{ address: `${a.ip}/23`, gateway, interface: 1 }]);
    expect(a.result.routes).to.deep.include({ dst: '0.0.0.0/0', gw: gateway });
    expect((a.result.interfaces as Array<{ name: string; sandbox?: string }>)[1]).to.include({ name: 'eth0', sandbox: a.netns.netnsPath });
  });

  it('isolates tenants across nodes and lets one tenant talk', async () => {
    await ping(pods.get('red-a')!.netns, pods.get('red-b')!.ip, { count: 2, timeoutS: 1 });
    expect(await reaches('red-a', 'red-b')).to.equal(true);
    expect(await reaches('red-b', 'red-a')).to.equal(true);
    expect(await reaches('red-a', 'blue-b')).to.equal(false);
  });

  it('returns the same result for a repeated ADD and passes CHECK with that prevResult', async () => {
    const a = pods.get('red-a')!;
    const again = await cluster.cni(n1, 'ADD', { containerId: 'ctr-red-a', netns: a.netns.netnsPath, namespace: 'red', pod: 'red-a' });
    expect(again.exitCode).to.equal(0);
    expect(again.json).to.deep.equal(a.result);
    const check = await cluster.cni(n1, 'CHECK', { containerId: 'ctr-red-a', netns: a.netns.netnsPath, namespace: 'red', pod: 'red-a', prevResult: a.result });
    expect(check.exitCode, check.stdout).to.equal(0);
  });

  it('joins blue to red when the admin writes the action with etcdctl', async () => {
    await cluster.etcdctl('put', `${NS}blue`, '{"NetName":"blue","NetID":12,"Action":"join","Namespace":"red"}');
    const blue = await waitUntil('the master to apply the join', async () => {
      const record = (await cluster.etcdGet(`${NS}blue`)) as { NetID: number; Action: string };
      return record.Action === '' ? record : undefined;
    });
    expect(blue).to.deep.equal({ NetName: 'blue', NetID: 11, Action: '', Namespace: '' });
    await waitUntil('red-a to reach blue-b', () => reaches('red-a', 'blue-b'), 15_000, 200);
    expect(await reaches('blue-b', 'red-a')).to.equal(true);
  });

  it('loses no packet while a node daemon is killed and restarted', async () => {
    const pinger = await cluster.sandbox.startPinger(pods.get('red-a')!.netns, pods.get('red-b')!.ip, { intervalMs: 20 });
    await pinger.waitForReplies(5);
    const flowsBefore = (await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats'])).stdout.split('\n').filter((l) => l.includes('actions=')).sort();
    await cluster.stopDaemon(n1, 'SIGKILL');
    await cluster.startDaemon(n1);
    // Longer than the pinger's in-flight allowance, so an outage caused above cannot hide at the end.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const report = await pinger.stop();
    const flowsAfter = (await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats'])).stdout.split('\n').filter((l) => l.includes('actions=')).sort();
    expect(report.received).to.be.greaterThan(20);
    expect(report.lost, `pings lost across the restart: ${JSON.stringify(report)}`).to.equal(0);
    expect(flowsAfter).to.deep.equal(flowsBefore);
  });

  it('releases the address on DEL, leaves no port behind, and accepts DEL again', async () => {
    const b = pods.get('blue-b')!;
    const del = () => cluster.cni(n2, 'DEL', { containerId: 'ctr-blue-b', netns: b.netns.netnsPath, namespace: 'blue', pod: 'blue-b' });
    expect((await del()).exitCode).to.equal(0);
    expect((await del()).exitCode).to.equal(0);
    const addresses = await readdir(path.join(cluster.nodeDir(n2), 'state', 'ipam', 'addresses'));
    expect(addresses).to.not.include(b.ip);
    expect(addresses).to.include(pods.get('red-b')!.ip);
    const ports = (await n2.vsctl(['list-ports', 'br0'])).stdout.split('\n').filter(Boolean);
    expect(ports.sort()).to.have.length(3);
  });
});
