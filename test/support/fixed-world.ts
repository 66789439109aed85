// Nodes of one cluster sharing an in-memory etcd, each with its fixed-address follower and a fake switch: the node side of
// fixed addresses without OVS, for unit tests.
import { Cidr, type Ipv4, parseIpv4 } from '../../lib/net/ipv4.js';
import { FlowSync } from '../../lib/ovs/flowsync.js';
import { silentLogger } from '../../lib/log.js';
import { serializeIpPoolStatus } from '../../lib/sdn/fixed/pool.js';
import type { FixedRequest } from '../../lib/sdn/fixed/request.js';
import { networkKeys } from '../../lib/sdn/layout.js';
import { type LocalPod, NodeDataplane } from '../../lib/sdn/node/dataplane.js';
import { type Lease, NodeFixedAddresses } from '../../lib/sdn/node/fixed-addresses.js';
import type { HostSubnet } from '../../lib/sdn/records.js';
import type { Vnid } from '../../lib/tenant/vnid.js';
import { FakeFlowTable } from './fakeflows.js';
import { MemoryEtcd } from './memory-etcd.js';

export const KEYS = networkKeys('k8ssdn');
export const CLUSTER = Cidr.parse('10.128.0.0/14');

export interface WorldNode {
  name: string;
  ip: Ipv4;
  subnet: Cidr;
  table: FakeFlowTable;
  dataplane: NodeDataplane;
  fixed: NodeFixedAddresses;
}

export class FixedWorld {
  readonly etcd = new MemoryEtcd();
  readonly nodes: WorldNode[] = [];
  private nextPort = 10;

  /** `count` nodes n1..nN at 192.168.50.N with subnets 10.128.(2N-2).0/23, followers started. */
  static async create(count = 2): Promise<FixedWorld> {
    const world = new FixedWorld();
    for (let n = 1; n <= count; n++) world.nodes.push(await world.startNode(n));
    return world;
  }

  node(name: string): WorldNode {
    return this.nodes.find((n) => n.name === name)!;
  }

  private hostSubnets(): HostSubnet[] {
    return this.nodes.map((n) => ({ host: n.name, hostIp: n.ip, subnet: n.subnet, assign: false }));
  }

  async startNode(n: number): Promise<WorldNode> {
    const ip = parseIpv4(`192.168.50.${n}`);
    const subnet = Cidr.parse(`10.128.${2 * (n - 1)}.0/23`);
    const table = new FakeFlowTable();
    const dataplane = new NodeDataplane(new FlowSync(table));
    await dataplane.resync({
      clusterNetwork: CLUSTER, serviceNetwork: Cidr.parse('172.30.0.0/16'), localSubnet: subnet, gateway: subnet.address(1), gatewayMac: '0a:58:00:00:00:01',
      nodeIp: ip,
    });
    let chain: Promise<void> = Promise.resolve();
    const fixed = new NodeFixedAddresses({
      store: this.etcd.store, keys: KEYS, clusterNetwork: CLUSTER, nodeIp: ip, dataplane,
      hostSubnetOf: (address) => [...this.hostSubnets(), { host: `n${n}`, hostIp: ip, subnet, assign: false }]
        .find((h) => h.subnet?.contains(address)),
      isNode: (hostIp) => this.nodes.some((node) => node.ip === hostIp) || hostIp === ip,
      apply: (work) => (chain = chain.then(work)), ready: () => true, logger: silentLogger, handoffWaitMs: 300, retryMs: 50,
    });
    await fixed.start();
    return { name: `n${n}`, ip, subnet, table, dataplane, fixed };
  }

  /** A pool the master accepted, as the master would write it. */
  async pool(name: string, record: object): Promise<void> {
    const revision = await this.etcd.put(KEYS.ipPool(name), JSON.stringify(record));
    await this.etcd.put(KEYS.ipPoolStatus(name), serializeIpPoolStatus({ revision, state: 'Accepted', reason: '', time: '' }));
    await this.etcd.settled();
  }

  /** ADD's fixed-address half on `node`, then the pod attached with the claimed address. */
  async add(node: WorldNode, pod: { namespace: string; name: string; uid?: string; containerId: string; vnid: number },
    request: FixedRequest): Promise<{ lease: Lease; local: LocalPod }> {
    const lease = await node.fixed.acquire({ namespace: pod.namespace, pod: pod.name, podUid: pod.uid ?? `uid-${pod.name}`,
      containerId: pod.containerId, request });
    const ofport = this.nextPort++;
    const local: LocalPod = {
      containerId: pod.containerId, ifname: 'eth0', namespace: pod.namespace, name: pod.name, netnsPath: `/run/netns/${pod.containerId}`,
      port: { portName: `ko-${pod.containerId}`, ofport, ip: lease.held.claim.ip, mac: lease.held.claim.mac, vnid: pod.vnid as Vnid },
    };
    await node.dataplane.addPod(local);
    await this.etcd.settled();
    return { lease, local };
  }

  /** DEL's half: the pod detached, its address released. */
  async del(node: WorldNode, local: LocalPod): Promise<void> {
    await node.dataplane.removePod(local.port.portName);
    await node.fixed.release(local.containerId);
    await this.etcd.settled();
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.fixed.stop()));
  }
}

export const wantAddress = (ip: string, extra: Partial<FixedRequest> = {}): FixedRequest =>
  ({ wish: { kind: 'address', ip: parseIpv4(ip) }, source: 'pod annotation k8s.ovs.com/ip-address', mac: null, retain: false, statefulSet: null, ...extra });
export const wantPool = (pool: string, extra: Partial<FixedRequest> = {}): FixedRequest =>
  ({ wish: { kind: 'pool', pool }, source: 'pod annotation k8s.ovs.com/ip-pool', mac: null, retain: false, statefulSet: null, ...extra });
