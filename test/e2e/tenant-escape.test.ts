// Issue 15 proof: a tenant with root in its pods (red) tries every path of docs/security.md against another
// tenant (blue) and the control plane, on two real nodes; listeners in the victims record what arrives.
import { expect } from 'chai';
import { ADM, adm, httpGet } from '../support/adm.js';
import { type SniffedFrame, Sniffer, carrying, craft, from } from '../support/attack.js';
import { intToIpv4, ipv4ToInt } from '../../lib/net/ipv4.js';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { KubeProxyStandIn, type ProxiedService } from '../support/kube-proxy.js';
import { SandboxApiServer } from '../support/kube.js';
import {
  type PodNetns, type SandboxNode, ping, randomPrefix, tcpConnect, udpExchange, verdictOf,
} from '../support/sandbox/index.js';

const NET = `${PREFIX}/k8ssdn`;
const PODS = [
  { name: 'red-a', namespace: 'red', node: 'n1' }, { name: 'red-c', namespace: 'red', node: 'n1' },
  { name: 'blue-a', namespace: 'blue', node: 'n1' }, { name: 'red-b', namespace: 'red', node: 'n2' },
  { name: 'blue-b', namespace: 'blue', node: 'n2' }, { name: 'sys-b', namespace: 'kube-system', node: 'n2' },
] as const;
type PodName = (typeof PODS)[number]['name'];
const TCP = 8080;
const UDP = 8081;
/** Larger than the pods' MTU: it crosses as IP fragments. */
const DATAGRAM = 4000;

describe('a hostile tenant against another tenant and the control plane (sandbox, two nodes, real etcd)', function () {
  this.timeout(300_000);
  let cluster: SandboxCluster;
  let api: SandboxApiServer;
  let proxy: KubeProxyStandIn;
  let n1: SandboxNode;
  let n2: SandboxNode;
  const pods = new Map<PodName, PodNetns & { ip: string; mac: string; gateway: string; broadcast: string }>();
  const sniffers = new Map<string, Sniffer>();
  const services = new Map<string, string>();
  let nextService = 1;

  const pod = (name: PodName) => pods.get(name)!;
  const ip = (name: PodName) => pod(name).ip;
  const redA = () => pod('red-a');
  const tcp = (to: string, port = TCP, timeoutMs = 2000) => tcpConnect(redA(), to, port, { timeoutMs });
  const arrived = async (at: string, match: (frame: SniffedFrame) => boolean) => sniffers.get(at)!.received(match);
  const vnid = async (namespace: string) => ((await cluster.etcdGet(`${NET}/netnamespaces/${namespace}`)) as { NetID: number }).NetID;

  /** A Service in red whose Endpoints name `endpoints`, as red (allowed to write its own Endpoints) would make it. */
  async function redService(name: string, protocol: 'tcp' | 'udp', port: number, endpoints: Array<{ ip: string; port: number }>) {
    const serviceIp = `172.30.1.${nextService++}`;
    await api.service('red', name, port, serviceIp, protocol === 'tcp' ? 'TCP' : 'UDP');
    const proxied: ProxiedService = { id: name.toUpperCase(), ip: serviceIp, port, protocol, endpoints };
    await proxy.program(proxied);
    services.set(name, serviceIp);
  }

  before(async () => {
    cluster = await SandboxCluster.start({ prefix: randomPrefix('kte'), nodes: 2, underlaySubnet: '10.51.0.0/24', config: MULTITENANT_CONFIG });
    [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
    api = new SandboxApiServer(cluster, MULTITENANT_CONFIG.ServiceNetwork);
    await api.start();
    for (const node of [n1, n2]) await api.node(node.name, node.ip);
    for (const ns of ['red', 'blue']) await api.namespace(ns);
    for (const p of PODS) await api.pod(p.namespace, p.name, p.node);
    await Promise.all([n1, n2].map((node) => cluster.startDaemon(node,
      ['--kubeconfig', api.kubeconfig, '--etcd-access-namespaces', 'kube-system', '--metrics-address', '0.0.0.0:9101'])));
    for (const p of PODS) {
      const netns = await cluster.sandbox.createPodNetns(p.name);
      const run = await cluster.cni(cluster.node(p.node), 'ADD', { containerId: `ctr-${p.name}`, netns: netns.netnsPath, namespace: p.namespace, pod: p.name });
      expect(run.exitCode, `ADD ${p.name}: ${run.stdout}`).to.equal(0);
      const result = run.json as { ips: Array<{ address: string; gateway: string }>; interfaces: Array<{ mac: string; sandbox?: string }> };
      const [address, prefix] = result.ips[0]!.address.split('/') as [string, string];
      const broadcast = intToIpv4((ipv4ToInt(address) | (2 ** (32 - Number(prefix)) - 1)) >>> 0);
      pods.set(p.name, Object.assign(netns, { ip: address, mac: result.interfaces.find((i) => i.sandbox)!.mac, gateway: result.ips[0]!.gateway, broadcast }));
      await cluster.sandbox.startTcpListener(netns, TCP);
      await cluster.sandbox.startUdpEcho(netns, UDP);
    }
    for (const name of ['blue-a', 'blue-b', 'red-c'] as const) sniffers.set(name, await Sniffer.start(cluster.sandbox, pod(name)));
    sniffers.set('n2', await Sniffer.start(cluster.sandbox, n2));
    await cluster.sandbox.startTcpListener(cluster.sandbox.hub, 18080);
    proxy = new KubeProxyStandIn([n1, n2]);
    const hub = cluster.sandbox.hub.ip;
    await redService('steal-local', 'tcp', 80, [{ ip: ip('blue-a'), port: TCP }]);
    await redService('steal-remote', 'tcp', 80, [{ ip: ip('blue-b'), port: TCP }]);
    await redService('steal-udp', 'udp', 53, [{ ip: ip('blue-b'), port: UDP }]);
    await redService('own-local', 'tcp', 80, [{ ip: ip('red-c'), port: TCP }]);
    await redService('own-remote', 'tcp', 80, [{ ip: ip('red-b'), port: TCP }]);
    await redService('own-udp', 'udp', 53, [{ ip: ip('red-b'), port: UDP }]);
    await redService('mixed', 'tcp', 80, [{ ip: ip('red-b'), port: TCP }, { ip: ip('blue-b'), port: TCP }]);
    await redService('to-global', 'tcp', 80, [{ ip: ip('sys-b'), port: TCP }]);
    await redService('self', 'tcp', 80, [{ ip: ip('red-a'), port: TCP }]);
    await redService('etcd', 'tcp', 2379, [{ ip: hub, port: 2379 }]);
    await redService('hub', 'tcp', 80, [{ ip: hub, port: 18080 }]);
    await redService('tunnel', 'udp', 9999, [{ ip: n2.ip, port: 4789 }]);
    await waitUntil('red\'s services on n1', async () =>
      (await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), 'table=60'])).stdout.includes(`nw_dst=${services.get('tunnel')}`));
  });

  after(async () => {
    await cluster?.destroy();
  });

  it('lets red reach red and global pods on both nodes and keeps it from blue pods (the baseline)', async () => {
    const outcomes = await Promise.all((['red-c', 'red-b', 'sys-b', 'blue-a', 'blue-b'] as const).map(async (to) => [to, verdictOf((await tcp(ip(to))).outcome)]));
    expect(Object.fromEntries(outcomes)).to.deep.equal({ 'red-c': 'connected', 'red-b': 'connected', 'sys-b': 'connected', 'blue-a': 'blocked', 'blue-b': 'blocked' });
  });

  it('carries nothing to blue through a Service red writes with Endpoints naming blue pods, on this node or the other, TCP or UDP, whole or fragmented', async () => {
    const [stealLocal, stealRemote, stealSmall, stealLarge, ownLocal, ownRemote, ownLarge] = await Promise.all([
      tcp(services.get('steal-local')!, 80), tcp(services.get('steal-remote')!, 80),
      udpExchange(redA(), services.get('steal-udp')!, 53, 100), udpExchange(redA(), services.get('steal-udp')!, 53, DATAGRAM),
      tcp(services.get('own-local')!, 80), tcp(services.get('own-remote')!, 80), udpExchange(redA(), services.get('own-udp')!, 53, DATAGRAM),
    ]);
    expect([stealLocal.outcome, stealRemote.outcome, stealSmall.outcome, stealLarge.outcome]).to.deep.equal(['timeout', 'timeout', 'timeout', 'timeout']);
    expect(await arrived('blue-a', from(ip('red-a'))), 'frames from red-a at blue-a').to.deep.equal([]);
    expect(await arrived('blue-b', from(ip('red-a'))), 'frames from red-a at blue-b').to.deep.equal([]);
    // The same Services with red's own endpoints: they work, and the backends see the client pod itself.
    expect(ownLocal).to.deep.include({ outcome: 'connected', peer: ip('red-a') });
    expect(ownRemote).to.deep.include({ outcome: 'connected', peer: ip('red-a') });
    expect(ownLarge).to.deep.equal({ outcome: 'echoed', from: services.get('own-udp'), bytes: DATAGRAM });
  });

  it('drops the connections kube-proxy sends to blue\'s endpoint of a mixed Service and keeps those to red\'s', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) outcomes.push((await tcp(services.get('mixed')!, 80)).outcome);
    expect(outcomes.sort()).to.deep.equal(['connected', 'connected', 'timeout', 'timeout']);
    expect(await arrived('blue-b', from(ip('red-a')))).to.deep.equal([]);
  });

  it('still carries red to a global endpoint and to itself (hairpin) through its Services', async () => {
    expect(await tcp(services.get('to-global')!, 80)).to.deep.include({ outcome: 'connected', peer: ip('red-a') });
    expect((await tcp(services.get('self')!, 80)).outcome).to.equal('connected');
  });

  it('keeps red from etcd\'s client and peer ports and the daemons\' metrics port, directly and through a Service, and lets an allowed namespace in', async () => {
    const hub = cluster.sandbox.hub.ip;
    const [client, peer, relayed, other, otherRelayed, allowed] = await Promise.all([
      tcp(hub, 2379), tcp(hub, 2380), tcp(services.get('etcd')!, 2379), tcp(hub, 18080), tcp(services.get('hub')!, 80),
      tcpConnect(pod('sys-b'), hub, 2379, { timeoutMs: 2000 }),
    ]);
    expect([client.outcome, peer.outcome, relayed.outcome, client.handshake, relayed.handshake]).to.deep.equal(['timeout', 'timeout', 'timeout', false, false]);
    expect([other.outcome, otherRelayed.outcome], 'another port of the same host, directly and through a Service').to.deep.equal(['connected', 'connected']);
    expect(allowed.handshake, 'kube-system (--etcd-access-namespaces) reaches etcd').to.equal(true);
    const metrics = await Promise.all([n1.ip, n2.ip, redA().gateway].map((address) => tcp(address, 9101)));
    expect(metrics.map((m) => m.handshake), 'the metrics port on n1, n2 and the gateway').to.deep.equal([false, false, false]);
    expect((await httpGet(cluster.sandbox.hub, `http://${n2.ip}:9101/healthz`)).status, 'the metrics port from outside').to.equal(200);
  });

  it('delivers no forged VXLAN packet claiming blue\'s VNID, whole or fragmented, sent to a node or through a Service', async () => {
    const blue = await vnid('blue');
    const forge = (target: string, port: number, token: string, pad = 0) =>
      craft(redA(), 'vxlan', target, port, blue, pod('blue-b').mac, ip('red-a'), ip('blue-b'), token, pad);
    await forge(n2.ip, 4789, 'TOKEN-VXLAN-DIRECT');
    await forge(n2.ip, 4789, 'TOKEN-VXLAN-FRAGMENTS', 3000);
    await forge(services.get('tunnel')!, 9999, 'TOKEN-VXLAN-SERVICE');
    // The control: the same datagram to another UDP port of n2 arrives there, so the path itself is open.
    await forge(n2.ip, 4790, 'TOKEN-VXLAN-CONTROL');
    await waitUntil('the control datagram at n2', async () => (await arrived('n2', carrying('TOKEN-VXLAN-CONTROL'))).length > 0, 5000);
    for (const token of ['TOKEN-VXLAN-DIRECT', 'TOKEN-VXLAN-FRAGMENTS', 'TOKEN-VXLAN-SERVICE']) {
      expect(await arrived('blue-b', carrying(token)), token).to.deep.equal([]);
      expect(await arrived('n2', carrying(token)), `${token} at n2's tunnel endpoint`).to.deep.equal([]);
    }
  });

  it('drops spoofed, tagged, broadcast, IPv6, overlapping-fragment, forged-reply and source-routed packets, and answers no ARP across tenants', async () => {
    const a = redA();
    const { gateway, broadcast: subnetBroadcast } = a;
    await craft(a, 'frame', pod('red-c').mac, a.mac, a.ip, ip('red-c'), 9999, 'TOKEN-L2-CONTROL');
    await craft(a, 'frame', pod('blue-a').mac, a.mac, ip('sys-b'), ip('blue-a'), 9999, 'TOKEN-IP-SPOOF');
    await craft(a, 'frame', pod('red-c').mac, pod('red-c').mac, a.ip, ip('red-c'), 9999, 'TOKEN-MAC-SPOOF');
    await craft(a, 'frame', pod('red-c').mac, a.mac, a.ip, ip('red-c'), 9999, 'TOKEN-VLAN', 7);
    await craft(a, 'arp-reply', pod('blue-a').mac, a.mac, gateway, pod('blue-a').mac, ip('blue-a'));
    for (const [dst, token] of [['255.255.255.255', 'TOKEN-BCAST'], [subnetBroadcast, 'TOKEN-SUBNET-BCAST'], ['224.0.0.1', 'TOKEN-MCAST']]) {
      await craft(a, 'broadcast', dst!, 9999, token!);
    }
    await craft(a, 'ra', a.mac);
    await a.exec('ping', ['-6', '-c', '1', '-W', '1', 'ff02::1%eth0'], { reject: false });
    await craft(a, 'fragments', a.ip, ip('blue-a'), UDP, 'TOKEN-FRAGMENTS');
    await craft(a, 'tcp', a.ip, ip('blue-a'), 40000, TCP, 'SA', 'TOKEN-FORGED-SYNACK');
    await craft(a, 'tcp', a.ip, ip('blue-a'), 40000, TCP, 'PA', 'TOKEN-FORGED-DATA');
    await craft(a, 'lsrr', a.ip, gateway, ip('blue-a'), 9999, 'TOKEN-LSRR');
    await waitUntil('the control frame at red-c', async () => (await arrived('red-c', carrying('TOKEN-L2-CONTROL'))).length > 0, 5000);
    for (const token of ['TOKEN-MAC-SPOOF', 'TOKEN-VLAN', 'TOKEN-BCAST', 'TOKEN-SUBNET-BCAST', 'TOKEN-MCAST']) {
      expect(await arrived('red-c', carrying(token)), `${token} at red-c (red's own pod)`).to.deep.equal([]);
    }
    for (const victim of ['blue-a', 'blue-b']) {
      expect(await arrived(victim, (f) => (f.tokens?.length ?? 0) > 0 || f.src === a.mac || from(a.ip)(f)), `anything of red-a's at ${victim}`)
        .to.deep.equal([]);
    }
    expect(await arrived('red-c', (f) => f.ip6 !== undefined && f.src === a.mac), 'IPv6 from red-a at red-c').to.deep.equal([]);
    // blue-a still has the real gateway's MAC, or none: never red-a's.
    const neighbours = (await pod('blue-a').exec('ip', ['neigh', 'show', gateway])).stdout;
    expect(neighbours).to.not.include(a.mac);
    // ARP: red-a learns red-c's MAC and never blue-a's.
    await ping(a, ip('red-c'), { count: 1 });
    await ping(a, ip('blue-a'), { count: 1, timeoutS: 1 });
    const arpTable = (await a.exec('ip', ['neigh', 'show'])).stdout;
    expect(arpTable).to.include(`${ip('red-c')} dev eth0 lladdr ${pod('red-c').mac}`);
    expect(arpTable).to.not.include(pod('blue-a').mac);
  });

  it('names the table that drops each path in k8s-ovs-adm trace', async () => {
    const trace = async (...args: string[]) => {
      const result = await adm(n1, ['--etcd-endpoints', cluster.etcdEndpoint, 'trace', 'red/red-a', ...args, '--ovs-rundir', n1.ovsRunDir,
        '--remote-ovs-rundir', `${n2.ip}=${n2.ovsRunDir}`, '-o', 'json']);
      expect(result.exitCode, `${ADM} trace ${args.join(' ')}: ${result.stderr}`).to.equal(0);
      return (JSON.parse(result.stdout) as { Result: string }).Result;
    };
    expect(await trace('blue/blue-b:8080/tcp')).to.match(/^dropped in LocalDelivery \(table 70\): destination VNID \d+, source VNID \d+ on n2/);
    expect(await trace(`${services.get('steal-remote')}:80/tcp`, '--service-backend', `${ip('blue-b')}:${TCP}`))
      .to.match(/^dropped in LocalDelivery \(table 70\): destination VNID \d+, source VNID \d+ on n2/);
    expect(await trace(`${services.get('own-remote')}:80/tcp`, '--service-backend', `${ip('red-b')}:${TCP}`))
      .to.match(/^delivered to port \d+ \(pod red\/red-b\) on n2/);
    expect(await trace(`${n2.ip}:4789/udp`)).to.match(/^dropped in EgressGuard \(table 25\): pods never send to UDP port 4789/);
    expect(await trace(`${cluster.sandbox.hub.ip}:2379/tcp`)).to.match(/^dropped in EgressGuard \(table 25\): .* is part of the control plane/);
  });

  it('lets red\'s Service reach blue once blue is joined to red', async () => {
    const joined = await adm(cluster.sandbox.hub, ['--etcd-endpoints', cluster.etcdEndpoint, 'pod-network', 'join-namespaces', '--to=red', 'blue']);
    expect(joined.exitCode, joined.stderr).to.equal(0);
    await waitUntil('red to reach blue-b through its Service', async () => (await tcp(services.get('steal-remote')!, 80)).outcome === 'connected', 30_000, 250);
    expect(await tcp(services.get('steal-local')!, 80)).to.deep.include({ outcome: 'connected', peer: ip('red-a') });
  });
});
