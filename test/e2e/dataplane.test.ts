// Issue 2 proof: tenant isolation, retagging, anti-spoofing, tunnel admission and detach on two real OVS nodes.
import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../lib/net/ipv4.js';
import type { Vnid } from '../../lib/tenant/vnid.js';
import type { LocalPod } from '../../lib/sdn/node/dataplane.js';
import { podOwner } from '../../lib/sdn/pipeline/owners.js';
import { Sandbox, cleanupStale, ping, randomPrefix, tcpConnect, verdictOf, type PodNetns } from '../support/sandbox/index.js';
import { type NodePlane, isBundle, remoteOf, startNodePlane } from '../support/nodeplane.js';

interface TestPod { name: string; netns: PodNetns; plane: NodePlane; vnid: number; namespace: string; attached: LocalPod }

const allowed = (a: TestPod, b: TestPod) => a.vnid === b.vnid || a.vnid === 0 || b.vnid === 0;

async function reaches(from: TestPod, to: TestPod): Promise<boolean> {
  const result = await ping(from.netns, to.attached.port.ip, { count: 3, intervalMs: 200, timeoutS: 1 });
  return result.received > 0;
}

describe('node data plane on a two-node sandbox (real OVS, VXLAN, netns pods)', function () {
  this.timeout(180_000);
  const prefix = randomPrefix('kdp');
  let sandbox: Sandbox;
  let n1: NodePlane, n2: NodePlane;
  const pods = new Map<string, TestPod>();
  const pod = (name: string) => pods.get(name)!;

  async function addPod(name: string, plane: NodePlane, namespace: string, vnid: number, host: number) {
    const netns = await sandbox.createPodNetns(name);
    plane.vnids.set(namespace, vnid as Vnid);
    const attached = await plane.ports.attach({
      containerId: `ctr-${name}`, ifname: 'eth0', netnsPath: netns.netnsPath, namespace, name,
      ip: plane.network.localSubnet.address(host),
    });
    pods.set(name, { name, netns, plane, vnid, namespace, attached });
  }

  before(async () => {
    sandbox = await Sandbox.create({ prefix, nodes: 3, underlaySubnet: '10.97.0.0/24' });
    [n1, n2] = await Promise.all([
      startNodePlane(sandbox.node('n1'), '10.128.0.0/23'),
      startNodePlane(sandbox.node('n2'), '10.128.2.0/23'),
    ]);
    await n1.dataplane.resync(n1.network);
    await n2.dataplane.resync(n2.network);
    await n1.dataplane.setRemoteNodes([remoteOf(n2)]);
    await n2.dataplane.setRemoteNodes([remoteOf(n1)]);
    // Three tenants: red (11), blue (12) and the global namespace (0), on both nodes.
    await addPod('red-a', n1, 'red', 11, 10);
    await addPod('red-b', n1, 'red', 11, 11);
    await addPod('blue-a', n1, 'blue', 12, 12);
    await addPod('blue-c', n1, 'blue', 12, 13);
    await addPod('glob-a', n1, 'kube-system', 0, 14);
    await addPod('red-c', n2, 'red', 11, 10);
    await addPod('blue-b', n2, 'blue', 12, 11);
    await addPod('glob-b', n2, 'kube-system', 0, 12);
    // The first tunnelled packet may be lost while OVS resolves the peer's MAC: warm both directions.
    await ping(pod('glob-a').netns, pod('glob-b').attached.port.ip, { count: 3, timeoutS: 1 });
  });

  after(async () => {
    await sandbox?.destroy();
    await cleanupStale(prefix);
  });

  it('lets pods reach each other exactly when their tenants allow it (ICMP, every ordered pair)', async () => {
    const all = [...pods.values()];
    const pairs = all.flatMap((a) => all.filter((b) => b !== a).map((b) => [a, b] as const));
    const results = await Promise.all(pairs.map(async ([a, b]) => ({ pair: `${a.name}->${b.name}`, ok: await reaches(a, b), want: allowed(a, b) })));
    const wrong = results.filter((r) => r.ok !== r.want).map((r) => `${r.pair}: ${r.ok ? 'reached' : 'blocked'}`);
    expect(wrong, 'pairs whose reachability differs from the tenant rules').to.deep.equal([]);
    expect(results.filter((r) => r.ok).length).to.be.greaterThan(0);
    expect(results.filter((r) => !r.ok).length).to.be.greaterThan(0);
  });

  it('carries TCP across nodes within a tenant and to VNID 0, and blocks it between tenants, both ways', async () => {
    for (const p of pods.values()) await sandbox.startTcpListener(p.netns, 8080);
    const tcp = async (a: string, b: string) => verdictOf((await tcpConnect(pod(a).netns, pod(b).attached.port.ip, 8080)).outcome);
    expect(await tcp('red-a', 'red-c')).to.equal('connected');
    expect(await tcp('red-c', 'red-a')).to.equal('connected');
    expect(await tcp('red-a', 'red-b')).to.equal('connected');
    expect(await tcp('glob-a', 'blue-b')).to.equal('connected');
    expect(await tcp('blue-b', 'glob-a')).to.equal('connected');
    expect(await tcp('red-a', 'blue-b')).to.equal('blocked');
    expect(await tcp('blue-b', 'red-a')).to.equal('blocked');
    expect(await tcp('red-b', 'blue-a')).to.equal('blocked');
  });

  it('drops a pod that sends to another tenant through the gateway instead of directly', async () => {
    const red = pod('red-b'), blue = pod('blue-c'), global = pod('glob-a');
    const [tun0] = JSON.parse((await n1.node.exec('ip', ['-j', 'link', 'show', 'tun0'])).stdout) as Array<{ address: string }>;
    // Frames for blue (and, as the control, for a global pod) now go to the gateway's MAC.
    await red.netns.exec('ip', ['neigh', 'replace', '10.128.0.1', 'lladdr', tun0!.address, 'dev', 'eth0']);
    const viaGateway = [blue.attached.port.ip, global.attached.port.ip];
    for (const ip of viaGateway) await red.netns.exec('ip', ['route', 'add', `${ip}/32`, 'via', '10.128.0.1', 'dev', 'eth0']);
    try {
      expect(await reaches(red, global), 'red to a global pod via the gateway').to.equal(true);
      expect(await reaches(red, blue), 'red to blue via the gateway').to.equal(false);
    } finally {
      for (const ip of viaGateway) await red.netns.exec('ip', ['route', 'del', `${ip}/32`]);
    }
  });

  it('joins blue to red by retagging in one bundle per node, without losing a packet inside blue', async () => {
    const pinger = await sandbox.startPinger(pod('blue-a').netns, pod('blue-c').attached.port.ip, { intervalMs: 10 });
    await pinger.waitForReplies(5);
    const before = n1.runner.count(isBundle);
    await n1.dataplane.retagNamespace('blue', 11 as Vnid);
    expect(n1.runner.count(isBundle) - before, 'ovs-ofctl bundle calls for the retag').to.equal(1);
    await n2.dataplane.retagNamespace('blue', 11 as Vnid);
    // Longer than the pinger's in-flight allowance, so an outage caused above cannot hide at the end.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const report = await pinger.stop();
    expect(report.received).to.be.greaterThan(20);
    expect(report.lost, `pings lost between two blue pods during the retag: ${JSON.stringify(report)}`).to.equal(0);
    for (const p of pods.values()) if (p.namespace === 'blue') p.vnid = 11;

    const dumped = await n1.ovs.dumpFlows({ cookie: podOwner(pod('blue-a').attached.port.portName) });
    const vnidsSeen = new Set(dumped.flatMap((f) => [...`${f.match} ${f.actions}`.matchAll(/reg0=(0x[0-9a-f]+|\d+)|set_field:(0x[0-9a-f]+|\d+)->reg0/g)]
      .map((m) => Number(m[1] ?? m[2]))));
    expect([...vnidsSeen].sort()).to.deep.equal([0, 11]);

    expect(await reaches(pod('blue-a'), pod('red-a'))).to.equal(true);
    expect(await reaches(pod('red-c'), pod('blue-a'))).to.equal(true);
    expect(await reaches(pod('blue-b'), pod('red-b'))).to.equal(true);
    expect((await tcpConnect(pod('red-a').netns, pod('blue-b').attached.port.ip, 8080)).outcome).to.equal('connected');
  });

  it('keeps the packets of a retagged namespace that were inside conntrack when the retag committed', async () => {
    // OVS keeps the registers across the conntrack recirculation and looks the rest up in the tables of that
    // moment. Paused revalidators keep the first half's datapath flow (its frozen registers) while the second
    // half's flows are removed: every ping then resumes after conntrack in the retagged tables, as one in flight
    // at the commit would. A VNID set before conntrack would be stale there and the pings dropped.
    const vnid = pod('blue-a').vnid as Vnid;
    const pinger = await sandbox.startPinger(pod('blue-a').netns, pod('blue-c').attached.port.ip, { intervalMs: 20 });
    await pinger.waitForReplies(5);
    const resumed = (flows: string) => flows.split('\n').filter((line) => /recirc_id\(0x[1-9a-f][0-9a-f]*\)/.test(line));
    await n1.node.appctl(['revalidator/pause']);
    try {
      await n1.dataplane.retagNamespace('blue', 13 as Vnid);
      const secondHalves = resumed((await n1.node.appctl(['dpctl/dump-flows', '-m'])).stdout);
      expect(secondHalves.length, 'datapath flows after conntrack').to.be.greaterThan(0);
      for (const line of secondHalves) await n1.node.appctl(['dpctl/del-flow', /ufid:[0-9a-f-]+/.exec(line)![0]]);
      const before = pinger.received;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(pinger.received - before, 'replies while the first halves were stale').to.be.greaterThan(10);
    } finally {
      await n1.node.appctl(['revalidator/resume']);
    }
    await n1.dataplane.retagNamespace('blue', vnid);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const report = await pinger.stop();
    expect(report.lost, `pings lost inside blue: ${JSON.stringify(report)}`).to.equal(0);
  });

  it('drops a pod that changes its own IP or MAC, and passes it again once restored', async () => {
    const spoofer = pod('red-a'), target = pod('red-b');
    const ip = spoofer.attached.port.ip, mac = spoofer.attached.port.mac;
    const inPod = (...args: string[]) => spoofer.netns.exec('ip', args);
    await inPod('addr', 'flush', 'dev', 'eth0');
    await inPod('addr', 'add', '10.128.0.99/23', 'dev', 'eth0');
    expect(await reaches(spoofer, target), 'spoofed IP').to.equal(false);
    await inPod('addr', 'flush', 'dev', 'eth0');
    await inPod('addr', 'add', `${ip}/23`, 'dev', 'eth0');
    // Flushing the address took the pod's routes with it; put back what attach configured.
    await inPod('route', 'add', '10.128.0.0/14', 'dev', 'eth0');
    await inPod('route', 'add', 'default', 'via', '10.128.0.1', 'dev', 'eth0');
    expect(await reaches(spoofer, target), 'restored IP').to.equal(true);
    expect(await reaches(spoofer, pod('red-c')), 'restored IP, across nodes').to.equal(true);
    await inPod('link', 'set', 'eth0', 'address', '0a:58:0a:80:00:99');
    expect(await reaches(spoofer, target), 'spoofed MAC').to.equal(false);
    await inPod('link', 'set', 'eth0', 'address', mac);
    expect(await reaches(spoofer, target), 'restored MAC').to.equal(true);
  });

  it('drops VXLAN from a node IP it does not know, and accepts it once that node is known', async () => {
    const rogue = sandbox.node('n3');
    const rogueNetns = await sandbox.createPodNetns('rogue');
    const target = pod('red-a');
    await rogue.vsctl(['add-br', 'br0', '--', 'set', 'Bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
      '--', 'add-port', 'br0', 'vxlan0', '--', 'set', 'Interface', 'vxlan0', 'type=vxlan', 'options:remote_ip=flow', 'options:key=flow', 'ofport_request=1']);
    await rogue.exec('ip', ['link', 'add', 'rogue0', 'mtu', '1450', 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', '1450', 'netns', rogueNetns.netnsPath]);
    await rogue.exec('ip', ['link', 'set', 'rogue0', 'up']);
    await rogue.vsctl(['add-port', 'br0', 'rogue0', '--', 'set', 'Interface', 'rogue0', 'ofport_request=3']);
    await rogueNetns.exec('ip', ['link', 'set', 'eth0', 'address', '0a:58:0a:80:04:0a']);
    await rogueNetns.exec('ip', ['addr', 'add', '10.128.4.10/14', 'dev', 'eth0']);
    await rogueNetns.exec('ip', ['link', 'set', 'eth0', 'up']);
    await rogueNetns.exec('ethtool', ['-K', 'eth0', 'tx', 'off']);
    await rogue.ofctl(['add-flow', rogue.mgmtSocket('br0'), `in_port=3,actions=set_field:${n1.node.ip}->tun_dst,set_field:11->tun_id,output:1`]);
    await rogue.ofctl(['add-flow', rogue.mgmtSocket('br0'), 'in_port=1,actions=output:3']);

    const rogueReaches = async () => (await ping(rogueNetns, target.attached.port.ip, { count: 3, timeoutS: 1 })).received > 0;
    expect(await rogueReaches(), 'VXLAN from an unknown node').to.equal(false);
    await n1.dataplane.updateRemoteNodes([{ ip: parseIpv4(rogue.ip), subnet: Cidr.parse('10.128.4.0/23') }], []);
    expect(await rogueReaches(), 'the same traffic once the node is known').to.equal(true);
    await n1.dataplane.updateRemoteNodes([], [parseIpv4(rogue.ip)]);
    expect(await rogueReaches(), 'after the node is removed again').to.equal(false);
  });

  it('keeps every packet flowing when the node set-up and full resync run again (daemon restart)', async () => {
    const pinger = await sandbox.startPinger(pod('red-a').netns, pod('red-c').attached.port.ip, { intervalMs: 10 });
    await pinger.waitForReplies(5);
    const flowsBefore = (await n1.ovs.dumpFlows()).length;
    const restarted = await startNodePlane(n1.node, '10.128.0.0/23');
    const vnidOf = (ns: string) => ({ red: 11, blue: 11, 'kube-system': 0 } as Record<string, number>)[ns] as Vnid | undefined;
    const { pods: recovered, unknown } = await restarted.ports.recover(vnidOf);
    await restarted.dataplane.setRemoteNodes([remoteOf(n2)]);
    await restarted.dataplane.resync(restarted.network);
    // Longer than the pinger's in-flight allowance, so an outage caused above cannot hide at the end.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const report = await pinger.stop();
    expect(recovered.map((p) => p.name).sort()).to.deep.equal(['blue-a', 'blue-c', 'glob-a', 'red-a', 'red-b']);
    expect(unknown).to.deep.equal([]);
    expect(report.lost, `pings lost across the restart: ${JSON.stringify(report)}`).to.equal(0);
    expect((await n1.ovs.dumpFlows()).length).to.equal(flowsBefore);
    n1 = restarted;
    for (const p of pods.values()) if (p.plane.node === restarted.node) p.plane = restarted;
  });

  it('leaves no flow, port or veth behind when a pod is detached, and detaching again succeeds', async () => {
    const gone = pod('red-b');
    const portName = gone.attached.port.portName;
    await n1.ports.detach(gone.attached.containerId, 'eth0', gone.netns.netnsPath);
    await n1.ports.detach(gone.attached.containerId, 'eth0', gone.netns.netnsPath);
    expect(await n1.ovs.dumpFlows({ cookie: podOwner(portName) })).to.deep.equal([]);
    expect(await n1.ovs.vsctl('list-ports', 'br0')).to.not.include(portName);
    expect((await n1.node.exec('ip', ['link', 'show', portName], { reject: false })).exitCode).to.not.equal(0);
    expect((await gone.netns.exec('ip', ['link', 'show', 'eth0'], { reject: false })).exitCode).to.not.equal(0);
    const mentionsIp = new RegExp(`=${gone.attached.port.ip.replace(/\./g, '\\.')}(,|$)`);
    expect((await n1.ovs.dumpFlows()).filter((f) => mentionsIp.test(f.match))).to.deep.equal([]);
    pods.delete('red-b');
  });
});
