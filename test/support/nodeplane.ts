// Builds the real node data-plane objects (lib/) for a sandbox node, as the daemon would inside that node.
import type { CommandRunner, RunOptions } from '../../lib/exec/command.js';
import { localRunner } from '../../lib/exec/command.js';
import { HostNetwork } from '../../lib/host/network.js';
import { PodLinks } from '../../lib/host/podlink.js';
import { Cidr, parseIpv4 } from '../../lib/net/ipv4.js';
import { FlowSync } from '../../lib/ovs/flowsync.js';
import { OvsSwitch } from '../../lib/ovs/switch.js';
import { SerialQueue } from '../../lib/serial-queue.js';
import type { Vnid } from '../../lib/tenant/vnid.js';
import { NodeDataplane } from '../../lib/sdn/node/dataplane.js';
import { queuedPodFlows } from '../../lib/sdn/node/pod-flow-batch.js';
import { PodPorts } from '../../lib/sdn/node/podports.js';
import { setupNode } from '../../lib/sdn/node/setup.js';
import type { NodeNetwork } from '../../lib/sdn/pipeline/flows.js';
import type { SandboxNode } from './sandbox/index.js';

export const CLUSTER_NETWORK = Cidr.parse('10.128.0.0/14');
export const SERVICE_NETWORK = Cidr.parse('172.30.0.0/16');

/** Counts commands by name, e.g. how many `ovs-ofctl bundle` calls an operation made. */
export class CountingRunner implements CommandRunner {
  readonly calls: string[][] = [];
  constructor(private readonly inner: CommandRunner) {}
  run(command: string, args: readonly string[], options?: RunOptions): Promise<string> {
    this.calls.push([command, ...args]);
    return this.inner.run(command, args, options);
  }
  count(predicate: (call: string[]) => boolean): number {
    return this.calls.filter(predicate).length;
  }
}

export const isBundle = (call: string[]) =>
  call[0] === 'ovs-ofctl' && (call.includes('bundle') || call.includes('--bundle'));

export interface NodePlane {
  node: SandboxNode;
  runner: CountingRunner;
  ovs: OvsSwitch;
  flows: FlowSync;
  dataplane: NodeDataplane;
  ports: PodPorts;
  network: NodeNetwork;
  /** The VNID of each namespace, as the node reads it when a pod's flows are rendered. */
  vnids: Map<string, Vnid>;
}

export function nodeNetwork(subnet: string): Omit<NodeNetwork, 'gatewayMac' | 'nodeIp'> {
  const localSubnet = Cidr.parse(subnet);
  return { clusterNetwork: CLUSTER_NETWORK, serviceNetwork: SERVICE_NETWORK, localSubnet, gateway: localSubnet.address(1) };
}

/** Sets the node up the way the daemon does at start; calling it again is a daemon restart. */
export async function startNodePlane(node: SandboxNode, subnet: string): Promise<NodePlane> {
  const runner = new CountingRunner(localRunner({ netnsPath: node.netnsPath }));
  const ovs = new OvsSwitch(runner, { bridge: 'br0', runDir: node.ovsRunDir, datapathType: 'netdev' });
  const plan = { ...nodeNetwork(subnet), nodeIp: parseIpv4(node.ip) };
  const { podMtu, gatewayMac } = await setupNode(ovs, new HostNetwork(runner), plan, parseIpv4(node.ip));
  const network = { ...plan, gatewayMac };
  const flows = new FlowSync(ovs);
  const dataplane = new NodeDataplane(flows);
  const vnids = new Map<string, Vnid>();
  const podFlows = queuedPodFlows(dataplane, new SerialQueue(), (namespace) => vnids.get(namespace));
  const ports = new PodPorts(ovs, new PodLinks(runner), podFlows, { podMtu, disableTxChecksumOffload: true });
  return { node, runner, ovs, flows, dataplane, ports, network, vnids };
}

export const remoteOf = (plane: NodePlane) => ({ ip: parseIpv4(plane.node.ip), subnet: plane.network.localSubnet });
