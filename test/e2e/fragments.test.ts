// UDP datagrams larger than the pod MTU to a service: their IP fragments reach kube-proxy from the service's
// tenant only (origin PR #13162 fixed the same drop), and keep doing so after OVS loses its fragment handling.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MULTITENANT_CONFIG, SandboxCluster, waitUntil } from '../support/cluster.js';
import { SandboxApiServer } from '../support/kube.js';
import { type PodNetns, type SandboxNode, type UdpResult, ping, randomPrefix, udpExchange } from '../support/sandbox/index.js';

const SERVICE = { namespace: 'red', name: 'dns', ip: '172.30.0.53', port: 53 };
const BACKEND_PORT = 8080;
/** Larger than the pods' MTU (underlay 1500 minus VXLAN's 50): three fragments on the wire. */
const DATAGRAM = 4000;
const SMALL = 100;
const PODS = [
  { name: 'red-a', namespace: 'red', node: 'n1' },
  { name: 'red-b', namespace: 'red', node: 'n2' },
  { name: 'blue-a', namespace: 'blue', node: 'n1' },
];

describe('UDP datagrams larger than the pod MTU to a service (sandbox, real OVS and kube-proxy stand-in)', function () {
  this.timeout(240_000);
  let cluster: SandboxCluster;
  let api: SandboxApiServer;
  let n1: SandboxNode;
  const netns = new Map<string, PodNetns>();
  const ips = new Map<string, string>();

  const exchange = (from: string, size: number) => udpExchange(netns.get(from)!, SERVICE.ip, SERVICE.port, size);
  /** The userspace datapath drops the first packet to a peer it is still resolving: a few tries, not one. */
  const echoed = async (from: string, size: number, tries = 3): Promise<UdpResult> => {
    let result: UdpResult = { outcome: 'timeout' };
    for (let i = 0; i < tries && result.outcome !== 'echoed'; i++) result = await exchange(from, size);
    return result;
  };
  const fragmentHandling = async (node: SandboxNode) => (await node.ofctl(['get-frags', node.mgmtSocket('br0')])).stdout.trim();

  before(async () => {
    cluster = await SandboxCluster.start({ prefix: randomPrefix('kfr'), nodes: 2, underlaySubnet: '10.77.0.0/24', config: MULTITENANT_CONFIG });
    n1 = cluster.node('n1');
    api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    for (const node of cluster.sandbox.nodes) await api.node(node.name, node.ip);
    for (const ns of ['red', 'blue']) await api.namespace(ns);
    for (const pod of PODS) await api.pod(pod.namespace, pod.name, pod.node);
    await api.service(SERVICE.namespace, SERVICE.name, SERVICE.port, SERVICE.ip, 'UDP');
    await Promise.all(cluster.sandbox.nodes.map((node) => cluster.startDaemon(node, ['--kubeconfig', api.kubeconfig])));
    for (const pod of PODS) {
      const ns = await cluster.sandbox.createPodNetns(pod.name);
      const run = await cluster.cni(cluster.node(pod.node), 'ADD',
        { containerId: `ctr-${pod.name}`, netns: ns.netnsPath, namespace: pod.namespace, pod: pod.name });
      expect(run.exitCode, `ADD ${pod.name}: ${run.stdout}`).to.equal(0);
      netns.set(pod.name, ns);
      ips.set(pod.name, ((run.json!.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!);
    }
    await cluster.sandbox.startUdpEcho(netns.get('red-b')!, BACKEND_PORT);
    // What kube-proxy would write on every node: DNAT from the ClusterIP to the backend pod (on n2; clients on n1).
    for (const node of cluster.sandbox.nodes) {
      await node.exec('iptables', ['-w', '-t', 'nat', '-A', 'PREROUTING', '-d', SERVICE.ip, '-p', 'udp', '--dport', String(SERVICE.port),
        '-j', 'DNAT', '--to-destination', `${ips.get('red-b')}:${BACKEND_PORT}`]);
    }
    await waitUntil('the service\'s flows on n1', async () =>
      (await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats'])).stdout.includes(`nw_dst=${SERVICE.ip}`));
  });

  after(async () => {
    await cluster?.destroy();
  });

  it(`carries a ${DATAGRAM}-byte datagram from the service's own tenant to the service and its answer back`, async () => {
    const mtu = Number(/mtu (\d+)/.exec((await netns.get('red-a')!.exec('ip', ['link', 'show', 'eth0'])).stdout)?.[1]);
    expect(mtu, 'pod MTU').to.be.within(576, DATAGRAM - 1);
    expect(await echoed('red-a', SMALL), 'a datagram that fits the MTU').to.include({ outcome: 'echoed', from: SERVICE.ip });
    expect(await echoed('red-a', DATAGRAM), 'a fragmented datagram').to.deep.equal({ outcome: 'echoed', from: SERVICE.ip, bytes: DATAGRAM });
  });

  it('keeps another tenant out of the service, whole or in fragments', async () => {
    // blue-a itself has a network: the hub stands for the world outside.
    expect((await ping(netns.get('blue-a')!, cluster.sandbox.hub.ip, { count: 3, timeoutS: 1 })).received).to.be.greaterThan(0);
    expect((await exchange('blue-a', SMALL)).outcome, 'a datagram that fits the MTU').to.equal('timeout');
    expect((await exchange('blue-a', DATAGRAM)).outcome, 'a fragmented datagram').to.equal('timeout');
  });

  it('still carries it after ovs-vswitchd restarts, which resets the fragment handling', async () => {
    await n1.restartVswitchd();
    const result = await waitUntil('a fragmented datagram to pass after the restart', async () => {
      const r = await exchange('red-a', DATAGRAM);
      return r.outcome === 'echoed' ? r : undefined;
    }, 30_000, 200);
    expect(result).to.deep.equal({ outcome: 'echoed', from: SERVICE.ip, bytes: DATAGRAM });
    expect(await fragmentHandling(n1)).to.equal('nx-match');
    expect((await exchange('blue-a', DATAGRAM)).outcome, 'another tenant after the restart').to.equal('timeout');
  });

  it('restores the fragment handling after a restart whose flows were put back (ovs-ctl restart with ovs-save)', async () => {
    // As `ovs-ctl restart` does: save the flows, restart with flow-restore-wait, add the saved flows, clear the flag.
    const saved = path.join(cluster.sandbox.runDir, 'br0.flows');
    await writeFile(saved, (await n1.ofctl(['dump-flows', '--no-names', '--no-stats', n1.mgmtSocket('br0')])).stdout);
    const restoresBefore = (await cluster.log(n1)).split('switch flows restored').length;
    await n1.restartVswitchd({ flowRestoreWait: true });
    await n1.ofctl(['add-flows', n1.mgmtSocket('br0'), saved]);
    await n1.finishFlowRestore();
    await waitUntil('the daemon to restore the switch', async () =>
      (await cluster.log(n1)).split('switch flows restored').length > restoresBefore, 10_000, 100);
    expect(await cluster.log(n1)).to.match(/switch flows restored .*reason=ovs-vswitchd restarted/);
    expect(await fragmentHandling(n1)).to.equal('nx-match');
    expect(await echoed('red-a', DATAGRAM)).to.deep.equal({ outcome: 'echoed', from: SERVICE.ip, bytes: DATAGRAM });
  });
});
