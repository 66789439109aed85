// A sandbox node prepared the way the original k8s-ovs (Go) leaves one: its SetupSDN (br0, vxlan0, tun0, its
// pipeline of tables 0-9 and 253, tun0's address and routes, its iptables rules) and pods set up by its
// per-pod steps (host-local IPAM, a veth pair, then its k8s-sdn-ovs script's OVS port and flows).
import { randomBytes } from 'node:crypto';
import { Cidr } from '../../lib/net/ipv4.js';
import type { PodNetns, SandboxNode } from './sandbox/index.js';

export interface OriginalNetwork {
  clusterNetwork: string;
  serviceNetwork: string;
  /** This node's HostSubnet. */
  localSubnet: string;
}

export interface OriginalPod {
  containerId: string;
  ip: string;
  mac: string;
  /** The host end of the veth: the original's port name, `veth` and 8 hex digits. */
  veth: string;
  ofport: number;
}

/** The host-local plugin the original's RPM shipped; Debian's containernetworking-plugins has it here. */
export const HOST_LOCAL = '/usr/lib/cni/host-local';
/** The original's pod MTU (a constant in its node code). */
const MTU = 1450;

const gatewayOf = (subnet: string) => Cidr.parse(subnet).address(1);

async function addFlows(node: SandboxNode, flows: readonly string[]): Promise<void> {
  for (const flow of flows) await node.ofctl(['add-flow', node.mgmtSocket('br0'), flow]);
}

/** The original's SetupSDN, with the sandbox's datapath type (its bridges here must be netdev). */
export async function setUpOriginalNode(node: SandboxNode, net: OriginalNetwork): Promise<void> {
  const { clusterNetwork: cluster, serviceNetwork: service, localSubnet: local } = net;
  const gateway = gatewayOf(local);
  await node.vsctl(['add-br', 'br0', '--', 'set', 'Bridge', 'br0', 'fail-mode=secure', 'protocols=OpenFlow13', 'datapath_type=netdev',
    '--', 'add-port', 'br0', 'vxlan0', '--', 'set', 'Interface', 'vxlan0', 'ofport_request=1', 'type=vxlan',
    'options:remote_ip=flow', 'options:key=flow',
    '--', 'add-port', 'br0', 'tun0', '--', 'set', 'Interface', 'tun0', 'ofport_request=2', 'type=internal']);
  await addFlows(node, [
    `table=0,priority=200,in_port=1,arp,nw_src=${cluster},nw_dst=${local},actions=move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[],goto_table:1`,
    `table=0,priority=200,in_port=1,ip,nw_src=${cluster},nw_dst=${local},actions=move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[],goto_table:1`,
    'table=0,priority=150,in_port=1,actions=drop',
    `table=0,priority=200,in_port=2,arp,nw_src=${gateway},nw_dst=${cluster},actions=goto_table:5`,
    'table=0,priority=200,in_port=2,ip,actions=goto_table:5',
    'table=0,priority=150,in_port=2,actions=drop',
    'table=0,priority=100,arp,actions=goto_table:2',
    'table=0,priority=100,ip,actions=goto_table:2',
    'table=0,priority=0,actions=drop',
    'table=1,priority=0,actions=drop',
    'table=2,priority=0,actions=drop',
    `table=3,priority=100,ip,nw_dst=${service},actions=goto_table:4`,
    'table=3,priority=0,actions=goto_table:5',
    'table=4,priority=200,reg0=0,actions=output:2',
    'table=4,priority=0,actions=drop',
    `table=5,priority=300,arp,nw_dst=${gateway},actions=output:2`,
    `table=5,priority=300,ip,nw_dst=${gateway},actions=output:2`,
    `table=5,priority=200,arp,nw_dst=${local},actions=goto_table:6`,
    `table=5,priority=200,ip,nw_dst=${local},actions=goto_table:7`,
    `table=5,priority=100,arp,nw_dst=${cluster},actions=goto_table:8`,
    `table=5,priority=100,ip,nw_dst=${cluster},actions=goto_table:8`,
    'table=5,priority=0,ip,actions=goto_table:9',
    'table=5,priority=0,arp,actions=drop',
    'table=6,priority=0,actions=drop',
    'table=7,priority=0,actions=drop',
    'table=8,priority=0,actions=drop',
    'table=9,priority=0,actions=output:2',
    // Multitenant plugin (01), flow rule version 1.
    'table=253,actions=note:01.01',
  ]);
  const prefix = Cidr.parse(local).prefixLength;
  await node.exec('ip', ['-batch', '-'], {
    input: [`addr add ${gateway}/${prefix} dev tun0`, `link set tun0 mtu ${MTU}`, 'link set tun0 up',
      `route add ${cluster} dev tun0 proto kernel scope link`, `route add ${service} dev tun0`, ''].join('\n'),
  });
  // The kernel adds a route for the local subnet with the address; the original deleted it (pods are behind OVS).
  await node.exec('ip', ['route', 'del', local, 'dev', 'tun0']);
  await node.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.tun0.forwarding=1']);
  // Its NodeIPTables rules, each prepended; the original never removed them.
  for (const rule of [
    ['-t', 'nat', '-I', 'POSTROUTING', '-s', cluster, '-j', 'MASQUERADE'],
    ['-I', 'INPUT', '-p', 'udp', '-m', 'multiport', '--dports', '4789', '-m', 'comment', '--comment', '001 vxlan incoming', '-j', 'ACCEPT'],
    ['-I', 'INPUT', '-i', 'tun0', '-m', 'comment', '--comment', 'traffic from SDN', '-j', 'ACCEPT'],
    ['-I', 'INPUT', '-i', 'docker0', '-m', 'comment', '--comment', 'traffic from docker', '-j', 'ACCEPT'],
    ['-I', 'FORWARD', '-d', cluster, '-j', 'ACCEPT'],
    ['-I', 'FORWARD', '-s', cluster, '-j', 'ACCEPT'],
  ]) await node.exec('iptables', ['-w', ...rule]);
}

/** The original's AddHostSubnetRules: VXLAN from another node accepted, ARP and IP for its subnet sent to it. */
export async function addOriginalRemoteNode(node: SandboxNode, remote: { hostIp: string; subnet: string }): Promise<void> {
  const toRemote = `move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31],set_field:${remote.hostIp}->tun_dst,output:1`;
  await addFlows(node, [
    `table=1,priority=100,tun_src=${remote.hostIp},actions=goto_table:5`,
    `table=8,priority=100,arp,nw_dst=${remote.subnet},actions=${toRemote}`,
    `table=8,priority=100,ip,nw_dst=${remote.subnet},actions=${toRemote}`,
  ]);
}

/** The original's IPAM config for host-local: its node subnet, a default route and the cluster network. */
function ipamConfig(net: OriginalNetwork, dataDir: string): string {
  return JSON.stringify({
    name: 'k8s-ovs', type: 'k8s-ovs',
    ipam: { type: 'host-local', subnet: net.localSubnet, dataDir,
      routes: [{ dst: '0.0.0.0/0', gw: gatewayOf(net.localSubnet) }, { dst: net.clusterNetwork }] },
  });
}

/**
 * One pod as the original's CNI server set it up: host-local allocates and leases the address under
 * `dataDir`/k8s-ovs, a veth `vethXXXXXXXX` joins the pod, and k8s-sdn-ovs adds the port and its flows.
 */
export async function addOriginalPod(node: SandboxNode, pod: PodNetns, net: OriginalNetwork,
  options: { containerId: string; vnid: number; dataDir: string }): Promise<OriginalPod> {
  const ipam = await node.exec(HOST_LOCAL, [], {
    input: ipamConfig(net, options.dataDir),
    env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: options.containerId, CNI_NETNS: pod.netnsPath, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' },
  });
  const ip = (JSON.parse(ipam.stdout) as { ip4: { ip: string } }).ip4.ip.split('/')[0]!;
  const veth = `veth${randomBytes(4).toString('hex')}`;
  await node.exec('ip', ['link', 'add', veth, 'mtu', String(MTU), 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', String(MTU), 'netns', pod.netnsPath]);
  await node.exec('ip', ['link', 'set', veth, 'up']);
  const prefix = Cidr.parse(net.localSubnet).prefixLength;
  await pod.exec('ip', ['-batch', '-'], {
    input: [`addr add ${ip}/${prefix} dev eth0`, 'link set eth0 up', 'link set lo up',
      `route add default via ${gatewayOf(net.localSubnet)} dev eth0`, `route add ${net.clusterNetwork} dev eth0`, ''].join('\n'),
  });
  const mac = /link\/ether ([0-9a-f:]+)/.exec((await pod.exec('ip', ['link', 'show', 'eth0'])).stdout)![1]!;
  // k8s-sdn-ovs setup <veth> <mac> <ip> <vnid>: the port, then its flows in tables 2, 6 and 7.
  await node.vsctl(['add-port', 'br0', veth]);
  const ofport = Number((await node.vsctl(['get', 'Interface', veth, 'ofport'])).stdout.trim());
  const vnid = options.vnid;
  await addFlows(node, [
    `table=2,priority=100,in_port=${ofport},arp,nw_src=${ip},arp_sha=${mac},actions=load:${vnid}->NXM_NX_REG0[],goto_table:5`,
    `table=2,priority=100,in_port=${ofport},ip,nw_src=${ip},actions=load:${vnid}->NXM_NX_REG0[],goto_table:3`,
    `table=6,priority=100,arp,nw_dst=${ip},actions=output:${ofport}`,
    ...(vnid === 0
      ? [`table=7,priority=100,ip,nw_dst=${ip},actions=output:${ofport}`]
      : [`table=7,priority=100,reg0=0,ip,nw_dst=${ip},actions=output:${ofport}`,
        `table=7,priority=100,reg0=${vnid},ip,nw_dst=${ip},actions=output:${ofport}`]),
  ]);
  return { containerId: options.containerId, ip, mac, veth, ofport };
}
