// A node (agent, pod ports, CNI backend, IPAM in a temporary directory) on the fakes of test/support/fakenode.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../../lib/log.js';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import type { Flow } from '../../../../lib/ovs/flow.js';
import type { AttachRequest, DetachRequest } from '../../../../lib/sdn/cni/types.js';
import { type NetworkConfig, parseNetworkConfig } from '../../../../lib/sdn/config.js';
import { HostSubnetIpam } from '../../../../lib/sdn/ipam/allocator.js';
import { networkKeys } from '../../../../lib/sdn/layout.js';
import { NodeAgent } from '../../../../lib/sdn/node/agent.js';
import { NodePodNetwork, type PodNetworkOptions } from '../../../../lib/sdn/node/podnetwork.js';
import { hostPortName } from '../../../../lib/sdn/node/podports.js';
import { podOwner } from '../../../../lib/sdn/pipeline/owners.js';
import { SOURCE_VNID } from '../../../../lib/sdn/pipeline/tables.js';
import { serializeHostSubnet, serializeNetNamespace } from '../../../../lib/sdn/records.js';
import { FakeHost, FakeLinks, FakeNodeStore, FakeSwitch } from '../../../support/fakenode.js';

export const NODE_IP = parseIpv4('192.168.50.1');
export const NODE_SUBNET = Cidr.parse('10.128.0.0/23');
export const KEYS = networkKeys('k8ssdn');
const CONFIG_JSON = '{"Name":"k8ssdn","Network":"10.128.0.0/14","HostSubnetLength":9,"ServiceNetwork":"172.30.0.0/16","PluginName":"k8s-ovs-multitenant"}';
export const CONFIG: NetworkConfig = parseNetworkConfig(CONFIG_JSON);
/** red and blue are tenants, default is global. */
export const VNIDS: Readonly<Record<string, number>> = { red: 11, blue: 12, default: 0 };

export interface TestNode {
  store: FakeNodeStore;
  ovs: FakeSwitch;
  host: FakeHost;
  links: FakeLinks;
  agent: NodeAgent;
  pods: NodePodNetwork;
  ipam: HostSubnetIpam;
  stateDir: string;
  /** Sets a namespace's VNID in etcd and waits until the node has applied it. */
  setVnid(namespace: string, vnid: number): Promise<void>;
  stop(): Promise<void>;
}

export interface NodeFakes {
  store?: FakeNodeStore;
  ovs?: FakeSwitch;
  host?: FakeHost;
  links?: FakeLinks;
  stateDir?: string;
}

export function storeWithCluster(): FakeNodeStore {
  const store = new FakeNodeStore();
  store.data.set(KEYS.subnet(NODE_IP), serializeHostSubnet({ host: 'n1', hostIp: NODE_IP, subnet: NODE_SUBNET, assign: false }));
  for (const [namespace, vnid] of Object.entries(VNIDS)) store.data.set(KEYS.netNamespace(namespace), netNamespace(namespace, vnid));
  return store;
}

export function netNamespace(namespace: string, vnid: number): string {
  return serializeNetNamespace({ netName: namespace, netId: vnid as never, action: '', namespace: '' });
}

/** Starts a node on the given fakes (new ones where not given), as the daemon does: agent, then IPAM, then CNI. */
export async function startNode(fakes: NodeFakes = {}, options: Partial<PodNetworkOptions> = {}): Promise<TestNode> {
  const store = fakes.store ?? storeWithCluster();
  const ovs = fakes.ovs ?? new FakeSwitch();
  const host = fakes.host ?? new FakeHost();
  const links = fakes.links ?? new FakeLinks();
  const stateDir = fakes.stateDir ?? await mkdtemp(path.join(tmpdir(), 'k8s-ovs-node-'));
  const agent = new NodeAgent({
    store, config: CONFIG, hostname: 'n1', nodeIp: NODE_IP, ovs, host, podLinks: links, logger: silentLogger,
    requestSubnet: false, disableTxChecksumOffload: true,
  });
  await agent.start();
  const ipam = await HostSubnetIpam.open({ stateDir, subnet: NODE_SUBNET, logger: silentLogger });
  const pods = new NodePodNetwork({ agent, ovs, ipam: () => ipam, logger: silentLogger, vnidWaitMs: 0, ...options });
  await pods.nodeReady();
  return {
    store, ovs, host, links, agent, pods, ipam, stateDir,
    setVnid: (namespace, vnid) => store.put(KEYS.netNamespace(namespace), netNamespace(namespace, vnid)),
    stop: async () => {
      pods.stop();
      await agent.stop();
    },
  };
}

export async function removeStateDir(node: TestNode | undefined): Promise<void> {
  if (node) await rm(node.stateDir, { recursive: true, force: true });
}

export function addRequest(containerId: string, namespace: string, name: string): AttachRequest {
  return {
    command: 'ADD', containerId, ifname: 'eth0', netns: `/var/run/netns/${containerId}`, pod: { namespace, name },
    bandwidth: {}, config: { cniVersion: '1.1.0', name: 'k8s-ovs', type: 'k8s-ovs', raw: {} },
  };
}

export function delRequest(containerId: string, netns?: string): DetachRequest {
  return {
    command: 'DEL', containerId, ifname: 'eth0', ...(netns ? { netns } : {}), bandwidth: {},
    config: { cniVersion: '1.1.0', name: 'k8s-ovs', type: 'k8s-ovs', raw: {} },
  };
}

/** The pod's flows on the switch. */
export function podFlowsOn(ovs: FakeSwitch, containerId: string): Flow[] {
  return ovs.ofOwner(podOwner(hostPortName(containerId, 'eth0')));
}

/** The source VNIDs the pod's flows tag its packets with (one value when the pod is consistent). */
export function taggedVnids(ovs: FakeSwitch, containerId: string): number[] {
  const values = podFlowsOn(ovs, containerId).flatMap((flow) => flow.actions)
    .flatMap((action) => (action.kind === 'setRegister' && action.register === SOURCE_VNID ? [action.value] : []));
  return [...new Set(values)];
}
