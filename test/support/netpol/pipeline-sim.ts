// The NetworkPolicy cases and properties against k8s-ovs's own flows: a cluster state (as the reference evaluator
// takes it) compiled by lib/sdn/policy for one or two nodes, and a probe walked through their simulated switches.
import { parseNetworkPolicy } from '../../../lib/k8s/index.js';
import { Cidr, type Ipv4, parseIpv4 } from '../../../lib/net/ipv4.js';
import type { Flow } from '../../../lib/ovs/flow.js';
import { compilePolicies, type PolicyPod } from '../../../lib/sdn/policy/compile.js';
import { ConjunctionIds } from '../../../lib/sdn/policy/conjunction-ids.js';
import { type NodeNetwork, pipelineFlows, podFlows, remoteNodeFlows } from '../../../lib/sdn/pipeline/flows.js';
import { policyFlows } from '../../../lib/sdn/pipeline/policy-flows.js';
import { TUN_PORT, VXLAN_PORT } from '../../../lib/sdn/pipeline/tables.js';
import { podMac } from '../../../lib/sdn/node/podports.js';
import type { Vnid } from '../../../lib/tenant/vnid.js';
import { type Verdict, simulate } from '../flowsim.js';
import type { ClusterState, Endpoint, PodInfo, Probe } from './api.js';

export interface SimNode {
  ip: Ipv4;
  subnet: Cidr;
}

interface BuiltNode {
  node: SimNode;
  flows: Flow[];
  ports: Map<string, number>;
}

const FIRST_POD_PORT = 3;

function policyPod(pod: PodInfo): PolicyPod {
  return {
    namespace: pod.namespace, name: pod.name, labels: pod.labels, ip: parseIpv4(pod.ip), hostNetwork: pod.hostNetwork ?? false,
    namedPorts: pod.containers.flatMap((c) => c.ports.flatMap((p) => (p.name
      ? [{ name: p.name, protocol: (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp', port: p.containerPort }] : []))),
  };
}

/** The switches of a cluster whose pods live on `nodes` by address (each pod on the node whose subnet holds it). */
export class PipelineSim {
  private readonly built: BuiltNode[];

  constructor(private readonly state: ClusterState, nodes: readonly SimNode[], clusterNetwork: Cidr, serviceNetwork = Cidr.parse('172.30.0.0/16')) {
    const policies = state.policies.map(parseNetworkPolicy);
    const pods = state.pods.map(policyPod);
    const namespaceLabels = new Map(state.namespaces.map((ns) => [ns.name, ns.labels]));
    this.built = nodes.map((node) => {
      const local = state.pods.filter((pod) => !pod.hostNetwork && node.subnet.contains(pod.ip));
      const net: NodeNetwork = { clusterNetwork, serviceNetwork, localSubnet: node.subnet, gateway: node.subnet.address(node.subnet.size - 2),
        gatewayMac: '0a:58:00:00:00:01', nodeIp: node.ip };
      const ports = new Map(local.map((pod, i) => [pod.ip, FIRST_POD_PORT + i]));
      const compiled = compilePolicies({ policies, namespaceLabels, pods,
        local: local.map((pod) => ({ ...policyPod(pod), ip: parseIpv4(pod.ip) })) });
      const ids = new ConjunctionIds();
      const flows = [
        ...pipelineFlows(net),
        ...nodes.filter((other) => other !== node).flatMap((other) => remoteNodeFlows(other)),
        ...local.map((pod) => podFlows({ portName: `p-${pod.name}`, ofport: ports.get(pod.ip)!, ip: parseIpv4(pod.ip),
          mac: podMac(parseIpv4(pod.ip)), vnid: 0 as Vnid })).flat(),
        ...policyFlows(compiled, (key) => ids.idOf(key)),
      ];
      return { node, flows, ports };
    });
  }

  /** Whether the probe's packet reaches its destination: through the sender's switch, and the receiver's if another. */
  delivered(probe: Probe): boolean {
    const from = this.address(probe.from);
    const to = this.address(probe.to);
    const protocol = probe.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
    const packet = { protocol, nwSrc: from, nwDst: to, tpSrc: 40000, tpDst: probe.port };
    const sender = this.nodeOf(from);
    const receiver = this.nodeOf(to);
    // From outside the cluster the packet reaches the receiver's switch from its host, through tun0.
    const first: Verdict = sender
      ? simulate(sender.flows, { ...packet, inPort: sender.ports.get(from)!, dlSrc: podMac(parseIpv4(from)) })
      : receiver ? simulate(receiver.flows, { ...packet, inPort: TUN_PORT }) : { kind: 'drop', table: -1 };
    if (first.kind !== 'output') return false;
    if (!receiver) return first.port === TUN_PORT;
    if (first.port === VXLAN_PORT && sender && sender !== receiver) {
      const second = simulate(receiver.flows, { ...packet, inPort: VXLAN_PORT, tunSrc: sender.node.ip, tunId: first.tunId ?? 0 });
      return second.kind === 'output' && second.port === receiver.ports.get(to);
    }
    return first.port === receiver.ports.get(to);
  }

  private address(endpoint: Endpoint): string {
    if ('ip' in endpoint) return endpoint.ip;
    const pod = this.state.pods.find((p) => p.namespace === endpoint.pod.namespace && p.name === endpoint.pod.name);
    if (!pod) throw new Error(`no pod ${endpoint.pod.namespace}/${endpoint.pod.name}`);
    return pod.ip;
  }

  private nodeOf(ip: string): BuiltNode | undefined {
    return this.built.find((b) => b.ports.has(ip));
  }
}
