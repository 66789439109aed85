// Records `ovs-appctl ofproto/trace` on a real two-node sandbox for the trace explainer's unit tests, and writes
// test/unit/adm/trace-recordings.ts. Run it (as root, after `npm run build`) whenever the pipeline changes shape:
//   node dist/test/tools/record-traces.js
// n1 (10.91.0.1) holds 10.128.0.0/23 with red-a (.2, port 3), blue-a (.3, port 4), red-c (.4, port 5);
// n2 (10.91.0.2) holds 10.128.2.0/23 with red-b (.2, port 3); red is VNID 11 (0xb), blue VNID 12 (0xc).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, repoRoot, waitUntil } from '../support/cluster.js';
import { SandboxApiServer } from '../support/kube.js';
import { type PodNetns, ping, randomPrefix, type SandboxNode } from '../support/sandbox/index.js';

const A = { port: 3, mac: '0a:58:0a:80:00:02', ip: '10.128.0.2' };
const fromA = (rest: string) => `in_port=${A.port},${rest.split(',')[0]},dl_src=${A.mac},nw_src=${A.ip},${rest.split(',').slice(1).join(',')}`;
const tunnel = (vnid: number, from: string, rest: string) => `in_port=1,tun_id=0x${vnid.toString(16)},tun_src=${from},tun_dst=10.91.0.2,${rest}`;

interface Recording {
  name: string;
  setting: string;
  node: 'n1' | 'n2';
  packet: string;
}

const FIRST: Recording[] = [
  { name: 'vxlanArpMiss', node: 'n1', packet: fromA('ip,nw_dst=10.128.2.2'),
    setting: 'n1: red/red-a to red/red-b on n2 (10.91.0.2, subnet 10.128.2.0/23) before any traffic: tunnel neighbour unknown' },
];

const AFTER_PING: Recording[] = [
  { name: 'localDelivered', node: 'n1', packet: fromA('ip,nw_dst=10.128.0.4'),
    setting: 'n1: red/red-a (10.128.0.2, port 3) to red/red-c (10.128.0.4, port 5), same VNID 11' },
  { name: 'localDropped', node: 'n1', packet: fromA('ip,nw_dst=10.128.0.3'),
    setting: 'n1: red/red-a (VNID 11) to blue/blue-a (10.128.0.3, port 4, VNID 12)' },
  { name: 'localTcp', node: 'n1', packet: fromA('tcp,nw_dst=10.128.0.4,tcp_dst=80'),
    setting: 'n1: red/red-a to red/red-c tcp port 80: conntrack finds it new, commits it, then out of port 5' },
  { name: 'vxlanWarm', node: 'n1', packet: fromA('udp,nw_dst=10.128.2.2,udp_dst=53'),
    setting: 'n1: red/red-a udp to red/red-b (10.128.2.2) on n2 (10.91.0.2) after a ping' },
  { name: 'receivedDelivered', node: 'n2', packet: tunnel(11, '10.91.0.1', 'ip,nw_src=10.128.0.2,nw_dst=10.128.2.2'),
    setting: 'n2 (10.91.0.2): received over VXLAN from n1 with VNID 11 for red/red-b (10.128.2.2, port 3)' },
  { name: 'receivedDropped', node: 'n2', packet: tunnel(12, '10.91.0.1', 'ip,nw_src=10.128.0.3,nw_dst=10.128.2.2'),
    setting: 'n2: received from n1 with VNID 12 (blue) for red/red-b (10.128.2.2, VNID 11)' },
  { name: 'receivedUdp', node: 'n2', packet: tunnel(11, '10.91.0.1', 'udp,nw_src=10.128.0.2,nw_dst=10.128.2.2,udp_dst=53'),
    setting: 'n2 (10.91.0.2): udp/53 received from n1 with VNID 11 for red/red-b (10.128.2.2, port 3)' },
  { name: 'tunnelSourceForged', node: 'n2', packet: tunnel(11, '10.91.0.1', 'ip,nw_src=10.128.2.9,nw_dst=10.128.2.2'),
    setting: 'n2: VXLAN from n1 whose inner source 10.128.2.9 is in n2\'s own subnet, not n1\'s' },
  { name: 'spoofed', node: 'n1', packet: `in_port=3,ip,dl_src=${A.mac},nw_src=10.1.1.1,nw_dst=10.128.0.4`,
    setting: 'n1: port 3 (red/red-a) sends with source 10.1.1.1' },
  { name: 'vlanTagged', node: 'n1', packet: `in_port=3,dl_vlan=7,ip,dl_src=${A.mac},nw_src=${A.ip},nw_dst=10.128.0.4`,
    setting: 'n1: port 3 (red/red-a) sends its own MAC and IP with an 802.1Q tag (VLAN 7)' },
  { name: 'external', node: 'n1', packet: fromA('ip,nw_dst=10.91.0.254'),
    setting: 'n1: red/red-a to the hub 10.91.0.254, outside the cluster network' },
  { name: 'serviceDropped', node: 'n1', packet: fromA('tcp,nw_dst=172.30.0.10,tcp_dst=80'),
    setting: 'n1: red/red-a (VNID 11) tcp to 172.30.0.10:80, no service flow' },
  { name: 'serviceOpen', node: 'n1', packet: fromA('tcp,nw_dst=172.30.0.11,tcp_dst=80'),
    setting: 'n1: red/red-a (VNID 11) tcp to red/web at 172.30.0.11:80' },
  { name: 'gateway', node: 'n1', packet: fromA('ip,nw_dst=10.128.0.1'),
    setting: 'n1: red/red-a to its gateway 10.128.0.1' },
  { name: 'fromHost', node: 'n1', packet: 'in_port=2,ip,nw_src=10.128.0.1,nw_dst=10.128.0.3',
    setting: 'n1: the host (tun0, from the gateway 10.128.0.1) to blue/blue-a (10.128.0.3, port 4)' },
  { name: 'relayedForeign', node: 'n1', packet: 'in_port=2,tcp,nw_src=10.128.0.2,nw_dst=10.128.0.3,tcp_dst=8080',
    setting: 'n1: the host relays red/red-a\'s packet (kube-proxy DNAT) to blue/blue-a:8080' },
  { name: 'relayedRemote', node: 'n1', packet: 'in_port=2,tcp,nw_src=10.128.0.2,nw_dst=10.128.2.2,tcp_dst=8080',
    setting: 'n1: the host relays red/red-a\'s packet (kube-proxy DNAT) to red/red-b:8080 on n2' },
  { name: 'hostUnknownSource', node: 'n1', packet: 'in_port=2,ip,nw_src=10.128.0.99,nw_dst=10.128.0.3',
    setting: 'n1: the host sends from 10.128.0.99, a cluster address of no pod on n1, to blue/blue-a' },
  { name: 'vxlanForged', node: 'n1', packet: fromA('udp,nw_dst=10.91.0.2,udp_dst=4789'),
    setting: 'n1: red/red-a sends UDP to n2\'s VXLAN port 10.91.0.2:4789 (a forged tunnel packet)' },
  { name: 'etcdClosed', node: 'n1', packet: fromA('tcp,nw_dst=10.91.0.254,tcp_dst=2379'),
    setting: 'n1: red/red-a opens etcd at 10.91.0.254:2379' },
  { name: 'arpOtherTenant', node: 'n1', packet: `in_port=3,arp,dl_src=${A.mac},arp_sha=${A.mac},arp_spa=${A.ip},arp_tpa=10.128.0.3,arp_op=1`,
    setting: 'n1: red/red-a asks ARP for blue/blue-a (10.128.0.3, another tenant)' },
  { name: 'unknownTunnelPeer', node: 'n2', packet: tunnel(11, '10.91.0.77', 'ip,nw_src=10.128.0.2,nw_dst=10.128.2.2'),
    setting: 'n2: VXLAN from 10.91.0.77, not a node' },
  { name: 'relayRefused', node: 'n2', packet: tunnel(11, '10.91.0.1', 'ip,nw_src=10.128.0.2,nw_dst=8.8.8.8'),
    setting: 'n2: VXLAN from n1 for 8.8.8.8' },
  { name: 'noNodeSubnet', node: 'n1', packet: fromA('ip,nw_dst=10.130.0.5'),
    setting: 'n1: red/red-a to 10.130.0.5, in the cluster network but no node has it' },
];

/** With red/web (pods app=c admit app=b on TCP 8080) and red/egress-a (app=a may reach the hub on 443 only). */
const fromB = (rest: string) => `in_port=1,tun_id=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,${rest}`;
const WITH_POLICIES: Recording[] = [
  { name: 'policyAllowed', node: 'n1', packet: fromB('tcp,nw_src=10.128.2.2,nw_dst=10.128.0.4,tcp_dst=8080'),
    setting: 'n1: red/red-b (on n2, over VXLAN) to red/red-c:8080, which red/web admits (ingress rule 0)' },
  { name: 'policyIsolated', node: 'n1', packet: fromB('tcp,nw_src=10.128.2.2,nw_dst=10.128.0.4,tcp_dst=9090'),
    setting: 'n1: red/red-b (on n2, over VXLAN) to red/red-c:9090: red/web isolates red-c for ingress and admits only 8080' },
  { name: 'policyEgressAllowed', node: 'n1', packet: fromA('tcp,nw_dst=10.91.0.254,tcp_dst=443'),
    setting: 'n1: red/red-a to the hub 10.91.0.254:443, which red/egress-a admits (egress rule 0)' },
  { name: 'policyEgressIsolated', node: 'n1', packet: fromA('tcp,nw_dst=10.91.0.254,tcp_dst=80'),
    setting: 'n1: red/red-a to the hub 10.91.0.254:80: red/egress-a isolates red-a for egress' },
];

const AFTER_EMPTYING_TABLE_70: Recording[] = [
  { name: 'noMatch', node: 'n1', packet: fromA('ip,nw_dst=10.128.0.3'),
    setting: 'n1: red/red-a to blue/blue-a after table 70 was emptied by hand (no catch-all)' },
];

async function trace(node: SandboxNode, packet: string): Promise<string> {
  return (await node.appctl(['ofproto/trace', 'br0', packet])).stdout.trimEnd();
}

async function main(): Promise<void> {
  const cluster = await SandboxCluster.start({ prefix: randomPrefix('ktr'), nodes: 2, underlaySubnet: '10.91.0.0/24', config: MULTITENANT_CONFIG });
  const out: string[] = [];
  try {
    for (const [ns, id] of [['red', 11], ['blue', 12]] as const) {
      await cluster.etcdctl('put', `${PREFIX}/k8ssdn/netnamespaces/${ns}`, JSON.stringify({ NetName: ns, NetID: id, Action: '', Namespace: '' }));
    }
    const [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
    const api = new SandboxApiServer(cluster, MULTITENANT_CONFIG.ServiceNetwork);
    await api.start();
    for (const ns of ['red', 'blue']) await api.namespace(ns);
    // One Node at a time, so that n1 gets the first subnet and n2 the second (n1's daemon is the master).
    const started = cluster.startDaemon(n1, ['--kubeconfig', api.kubeconfig]);
    for (const node of [n1, n2]) {
      await api.node(node.name, node.ip);
      await waitUntil(`${node.name}'s subnet`, async () => cluster.etcdGet(`${PREFIX}/k8ssdn/subnets/${node.ip}`).catch(() => undefined));
    }
    await started;
    await cluster.startDaemon(n2, ['--kubeconfig', api.kubeconfig]);
    const pods = new Map<string, PodNetns>();
    for (const [name, ns, node] of [['red-a', 'red', n1], ['blue-a', 'blue', n1], ['red-c', 'red', n1], ['red-b', 'red', n2]] as const) {
      await api.create('pods', { metadata: { name, namespace: ns, labels: { app: name.slice(-1) } },
        spec: { nodeName: node.name, containers: [{ name: 'c', image: 'busybox' }] } });
      const netns = await cluster.sandbox.createPodNetns(name);
      const run = await cluster.cni(node, 'ADD', { containerId: `ctr-${name}`, netns: netns.netnsPath, namespace: ns, pod: name });
      if (run.exitCode !== 0) throw new Error(`ADD ${name}: ${run.stdout}`);
      await api.podRunning(ns, name, ((run.json!.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!, node.ip);
      pods.set(name, netns);
    }
    const record = async (list: Recording[]) => {
      for (const r of list) out.push(render(r, await trace(r.node === 'n1' ? n1 : n2, r.packet)));
    };
    // A service of red's, as the daemon would program it from the API server (this one follows none).
    await n1.ofctl(['add-flow', n1.mgmtSocket('br0'),
      'table=60,priority=100,tcp,reg0=11,nw_dst=172.30.0.11,tp_dst=80,actions=set_field:0x2->reg2,goto_table:110']);
    await record(FIRST);
    await ping(pods.get('red-a')!, '10.128.2.2', { count: 2 });
    await record(AFTER_PING);
    await api.create('networkpolicies', { metadata: { name: 'web', namespace: 'red' }, spec: { podSelector: { matchLabels: { app: 'c' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 8080 }] }] } });
    await api.create('networkpolicies', { metadata: { name: 'egress-a', namespace: 'red' }, spec: { podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.91.0.254/32' } }], ports: [{ port: 443 }] }] } });
    await waitUntil('both policies on n1', async () => {
      const flows = (await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats'])).stdout;
      return flows.includes('table=80') && flows.includes('table=27') && flows.includes('conjunction');
    });
    await record(WITH_POLICIES);
    for (const name of ['web', 'egress-a']) await api.delete('networkpolicies', name, 'red');
    await waitUntil('no policy flows on n1', async () => !(await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats'])).stdout.includes('conjunction'));
    await n1.ofctl(['del-flows', n1.mgmtSocket('br0'), 'table=70']);
    await record(AFTER_EMPTYING_TABLE_70);
  } finally {
    await cluster.destroy();
  }
  const file = path.join(repoRoot, 'test', 'unit', 'adm', 'trace-recordings.ts');
  await writeFile(file, `${HEADER}\n${out.join('\n')}`);
  process.stdout.write(`wrote ${out.length} recordings to ${file}\n`);
}

const HEADER = `// ovs-appctl ofproto/trace output recorded on the sandbox cluster (OVS 3.1.0, userspace datapath) for the explainer tests.
// Written by test/tools/record-traces.ts (run it again when the pipeline changes); do not edit by hand.

export interface RecordedTrace {
  /** Where and what was traced. */
  readonly setting: string;
  readonly output: string;
}
`;

function render(r: Recording, output: string): string {
  return `export const ${r.name}: RecordedTrace = {\n  setting: '${r.setting.replace(/[\\']/g, (c) => `\\${c}`)}',\n  output: \`${output.replace(/[`\\$]/g, (c) => `\\${c}`)}\`,\n};\n`;
}

await main();
