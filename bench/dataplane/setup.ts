// The data-plane bench topology: two OVS nodes with our pipeline (pods, a service with a kube-proxy-like DNAT),
// the same br0 reprogrammable as one NORMAL table, and Linux bridge CNI pods beside them.
import path from 'node:path';
import type { Ipv4 } from '../../lib/net/ipv4.js';
import type { Vnid } from '../../lib/tenant/vnid.js';
import { type NodePlane, remoteOf, startNodePlane } from '../../test/support/nodeplane.js';
import { type NetnsHandle, Sandbox, type SandboxNode, execIn, ping, randomPrefix } from '../../test/support/sandbox/index.js';
import { addBridgePod } from './bridge.js';
import { IPERF_PORT, IPFRAG_TIME_S, QPERF_DATA_PORT, QPERF_PORT } from './tools.js';

export const DATAPLANE_UNDERLAY = '10.84.0.0/24';
const OVS_SERVICE_IP = '172.30.0.10';
const BRIDGE_SERVICE_IP = '172.30.0.20';
const BRIDGE_SUBNETS = ['10.190.1.0/24', '10.190.2.0/24'];
const POD_MTU = 1450;
const SERVICE_PORTS = [
  { protocol: 'tcp' as const, port: QPERF_PORT }, { protocol: 'tcp' as const, port: QPERF_DATA_PORT },
  { protocol: 'udp' as const, port: QPERF_DATA_PORT }, { protocol: 'tcp' as const, port: IPERF_PORT },
];

export interface Endpoint {
  netns: NetnsHandle;
  ip: string;
  /** For pods on br0: the OVS port and MAC, to trace packets through the pipeline. */
  ofport?: number;
  mac?: string;
}

/** Client on n1; `local` server on n1, `remote` server on n2 (also the service's backend). */
export interface PodTrio {
  client: Endpoint;
  local: Endpoint;
  remote: Endpoint;
  serviceIp: string;
}

export interface Topology {
  sandbox: Sandbox;
  nodes: [SandboxNode, SandboxNode];
  planes: [NodePlane, NodePlane];
  ovs: PodTrio;
  bridge: PodTrio;
}

/** What kube-proxy would write on n1: the service's ports DNATed to the backend. */
async function dnat(node: SandboxNode, serviceIp: string, backend: string): Promise<void> {
  for (const { protocol, port } of SERVICE_PORTS) {
    await node.exec('iptables', ['-w', '-t', 'nat', '-A', 'PREROUTING', '-d', serviceIp, '-p', protocol, '--dport', String(port),
      '-j', 'DNAT', '--to-destination', `${backend}:${port}`]);
  }
}

async function startServers(sandbox: Sandbox, where: NetnsHandle): Promise<void> {
  await sandbox.startProcess(where, 'qperf', ['-lp', String(QPERF_PORT)]);
  await sandbox.startProcess(where, 'iperf3', ['-s', '-p', String(IPERF_PORT)]);
}

export async function buildTopology(sandbox: Sandbox): Promise<Topology> {
  const nodes = [sandbox.node('n1'), sandbox.node('n2')] as [SandboxNode, SandboxNode];
  const planes = await Promise.all([startNodePlane(nodes[0], '10.128.0.0/23'), startNodePlane(nodes[1], '10.128.2.0/23')]);
  for (const [plane, other] of [[planes[0], planes[1]], [planes[1], planes[0]]] as const) {
    await plane.dataplane.resync(plane.network);
    await plane.dataplane.setRemoteNodes([remoteOf(other)]);
  }
  const ovsPod = async (name: string, plane: NodePlane, host: number): Promise<Endpoint> => {
    const netns = await sandbox.createPodNetns(name);
    const ip = plane.network.localSubnet.address(host);
    plane.vnids.set('red', 11 as Vnid);
    const pod = await plane.ports.attach({ containerId: `kbn-${name}`, ifname: 'eth0', netnsPath: netns.netnsPath, namespace: 'red', name, ip });
    return { netns, ip, ofport: pod.port.ofport, mac: pod.port.mac };
  };
  const ovs: PodTrio = {
    client: await ovsPod('oa', planes[0], 10), local: await ovsPod('os', planes[0], 11), remote: await ovsPod('ob', planes[1], 10),
    serviceIp: OVS_SERVICE_IP,
  };
  for (const plane of planes) {
    await plane.dataplane.setServices([{ namespace: 'red', name: 'perf', ip: OVS_SERVICE_IP as Ipv4, ports: SERVICE_PORTS, vnid: 11 as Vnid }]);
  }
  await dnat(nodes[0], OVS_SERVICE_IP, ovs.remote.ip);

  const bridgePod = async (name: string, node: SandboxNode, index: number): Promise<Endpoint> => {
    const netns = await sandbox.createPodNetns(name);
    const ip = await addBridgePod(node, netns, { subnet: BRIDGE_SUBNETS[index]!, dataDir: path.join(sandbox.runDir, `host-local-${node.name}`), mtu: POD_MTU });
    return { netns, ip };
  };
  const bridge: PodTrio = {
    client: await bridgePod('ba', nodes[0], 0), local: await bridgePod('bs', nodes[0], 0), remote: await bridgePod('bb', nodes[1], 1),
    serviceIp: BRIDGE_SERVICE_IP,
  };
  // No overlay for the bridge pods: each node routes the other's pod subnet over the underlay (host-gw style).
  await nodes[0].exec('ip', ['route', 'add', BRIDGE_SUBNETS[1]!, 'via', nodes[1].ip]);
  await nodes[1].exec('ip', ['route', 'add', BRIDGE_SUBNETS[0]!, 'via', nodes[0].ip]);
  await dnat(nodes[0], BRIDGE_SERVICE_IP, bridge.remote.ip);

  for (const where of [nodes[1], ovs.local.netns, ovs.remote.netns, bridge.local.netns, bridge.remote.netns]) {
    await startServers(sandbox, where);
  }
  for (const where of [...nodes, ...[ovs, bridge].flatMap((trio) => [trio.client.netns, trio.local.netns, trio.remote.netns])]) {
    await execIn(where, 'sysctl', ['-qw', `net.ipv4.ipfrag_time=${IPFRAG_TIME_S}`]);
  }
  return { sandbox, nodes, planes, ovs, bridge };
}

/** The first tunnelled packet may be lost while OVS resolves the peer's MAC: warm every path once. */
export async function warmPaths(topology: Topology): Promise<void> {
  const { nodes, ovs, bridge } = topology;
  await ping(nodes[0], nodes[1].ip, { count: 2, timeoutS: 1 });
  for (const trio of [ovs, bridge]) {
    for (const target of [trio.local.ip, trio.remote.ip]) await ping(trio.client.netns, target, { count: 2, timeoutS: 1 });
  }
}

/** br0 on both nodes as one table, `actions=NORMAL`, with vxlan0 pointed at the peer: plain L2 switching over VXLAN. */
export async function useNormalTable(topology: Topology): Promise<void> {
  const [a, b] = topology.nodes;
  for (const [node, peer] of [[a, b], [b, a]] as const) {
    await node.vsctl(['set', 'Interface', 'vxlan0', `options:remote_ip=${peer.ip}`]);
    await node.ofctl(['--bundle', 'replace-flows', node.mgmtSocket('br0'), '-'], { input: 'table=0,priority=0,actions=NORMAL\n' });
  }
  await warmPaths(topology);
}

/** Back to our pipeline: vxlan0 takes its destination from the flow again, and the planes resync. */
export async function usePipeline(topology: Topology): Promise<void> {
  for (const [node, plane] of [[topology.nodes[0], topology.planes[0]], [topology.nodes[1], topology.planes[1]]] as const) {
    await node.vsctl(['set', 'Interface', 'vxlan0', 'options:remote_ip=flow']);
    await plane.dataplane.resync();
  }
  await warmPaths(topology);
}

export function createSandbox(): Promise<Sandbox> {
  return Sandbox.create({ prefix: randomPrefix('kbn'), nodes: 2, underlaySubnet: DATAPLANE_UNDERLAY });
}

/**
 * What our pipeline does with a UDP datagram to the service, whole and as a first fragment
 * (`ovs-appctl ofproto/trace`): OVS's default frag mode hides the ports of every fragment.
 */
export async function traceServiceUdp(topology: Topology): Promise<Record<'whole' | 'firstFragment' | 'laterFragment', string>> {
  const { client, serviceIp } = topology.ovs;
  const base = `in_port=${client.ofport},udp,dl_src=${client.mac},nw_src=${client.ip},nw_dst=${serviceIp}`;
  const verdict = async (frag: string) => {
    // A later fragment carries no UDP header, so it has no port to trace with.
    const packet = `${base},nw_frag=${frag}${frag === 'later' ? '' : `,udp_dst=${QPERF_DATA_PORT}`}`;
    const { stdout } = await topology.nodes[0].appctl(['ofproto/trace', 'br0', packet]);
    return /Datapath actions: (.*)/.exec(stdout)?.[1]?.trim() ?? stdout.slice(-200);
  };
  return { whole: await verdict('no'), firstFragment: await verdict('first'), laterFragment: await verdict('later') };
}
