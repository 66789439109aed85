// 1,000 NetworkPolicies for the data-plane rounds: each selects the measured pods (servers for ingress, the client for
// egress) and admits the client on the measured ports, in a different spelling each, among the usual other peers.
import type { KubeNetworkPolicy } from '../../lib/k8s/index.js';
import { parseNetworkPolicy } from '../../lib/k8s/index.js';
import type { Ipv4 } from '../../lib/net/ipv4.js';
import type { PolicyInputs, PolicyPod } from '../../lib/sdn/policy/compile.js';
import { policyCluster, randomPeer, randomPorts, seededRandom } from '../control/policy-model.js';
import { IPERF_PORT, QPERF_DATA_PORT, QPERF_PORT } from './tools.js';

export const MEASURED_NAMESPACE = 'red';
const NAMED_PORTS = [
  { name: 'qperf', protocol: 'tcp' as const, port: QPERF_PORT }, { name: 'qperf-data', protocol: 'tcp' as const, port: QPERF_DATA_PORT },
  { name: 'qperf-udp', protocol: 'udp' as const, port: QPERF_DATA_PORT }, { name: 'iperf', protocol: 'tcp' as const, port: IPERF_PORT },
];
/** The measured ports three ways: numbers, names (resolved on the server pods), and ranges with endPort. */
const MEASURED_PORTS: ReadonlyArray<readonly object[]> = [
  [{ port: QPERF_PORT }, { port: QPERF_DATA_PORT }, { protocol: 'UDP', port: QPERF_DATA_PORT }, { port: IPERF_PORT }],
  NAMED_PORTS.map(({ name, protocol }) => ({ protocol: protocol.toUpperCase(), port: name })),
  [{ port: QPERF_PORT, endPort: QPERF_DATA_PORT }, { protocol: 'UDP', port: QPERF_DATA_PORT, endPort: QPERF_DATA_PORT + 10 }, { port: 5000, endPort: 5299 }],
];

export interface MeasuredPods {
  client: Ipv4;
  servers: Ipv4[];
}

function measuredPods(ips: MeasuredPods): Array<PolicyPod & { ip: Ipv4 }> {
  const pod = (name: string, ip: Ipv4, role: string) => ({
    namespace: MEASURED_NAMESPACE, name, ip, hostNetwork: false, labels: { app: `perf-${role}`, role }, namedPorts: role === 'server' ? NAMED_PORTS : [],
  });
  return [pod('client', ips.client, 'client'), ...ips.servers.map((ip, i) => pod(`server${i}`, ip, 'server'))];
}

/** How the i-th policy lets the client in (ingress) or the servers be reached (egress). */
function admitting(i: number, direction: 'ingress' | 'egress'): object {
  const role = direction === 'ingress' ? 'client' : 'server';
  switch (i % 3) {
    case 0: return { podSelector: { matchLabels: { role } } };
    case 1: return { namespaceSelector: { matchLabels: { team: 'perf' } }, podSelector: { matchLabels: { app: `perf-${role}` } } };
    default: return { ipBlock: { cidr: '10.128.0.0/14', except: ['10.131.0.0/16'] } };
  }
}

function measuredPolicy(i: number, random: () => number): KubeNetworkPolicy {
  const direction = i % 5 === 4 ? 'egress' : 'ingress';
  const role = direction === 'ingress' ? 'server' : 'client';
  const selectors = [{ matchLabels: { role } }, { matchLabels: { app: `perf-${role}` } }, { matchExpressions: [{ key: 'role', operator: 'In', values: [role, 'db'] }] }];
  const peerField = direction === 'ingress' ? 'from' : 'to';
  const extraPeers = Array.from({ length: Math.floor(random() * 3) }, () => randomPeer(random));
  const otherPorts = randomPorts(random) ?? [];
  const rules: object[] = [{ [peerField]: [admitting(i, direction), ...extraPeers], ports: [...MEASURED_PORTS[i % 3]!, ...otherPorts] }];
  if (random() < 0.5) rules.push({ [peerField]: [randomPeer(random)], ...(otherPorts.length ? { ports: otherPorts } : {}) });
  const spec = {
    podSelector: selectors[Math.floor(i / 5) % selectors.length], policyTypes: [direction === 'ingress' ? 'Ingress' : 'Egress'], [direction]: rules,
  };
  return parseNetworkPolicy({ metadata: { namespace: MEASURED_NAMESPACE, name: `perf-${i}` }, spec });
}

/** `count` policies (4 in 5 ingress to the servers, 1 in 5 egress from the client) and the cluster they see. */
export function measuredPolicyInputs(
  count: number, ips: MeasuredPods, seed: number,
): { policies: KubeNetworkPolicy[]; inputs: (local: readonly Ipv4[]) => PolicyInputs } {
  const random = seededRandom(seed);
  const policies = Array.from({ length: count }, (_, i) => measuredPolicy(i, random));
  // Peers from the control-plane section's cluster, all on other nodes; its "local" pods would overlap the sandbox's addresses.
  // Its namespace labels never select `red` (team t0-t7, env prod/dev): only the admitting peer lets the client in.
  const cluster = policyCluster({ namespaces: 40, pods: 400, localEvery: 400, seed });
  const peers = cluster.pods.filter((pod) => !cluster.local.includes(pod));
  const mine = measuredPods(ips);
  const namespaceLabels = new Map(cluster.namespaceLabels);
  namespaceLabels.set(MEASURED_NAMESPACE, { 'kubernetes.io/metadata.name': MEASURED_NAMESPACE, team: 'perf', env: 'perf' });
  return {
    policies,
    inputs: (local) => ({ policies, namespaceLabels, pods: [...mine, ...peers], local: mine.filter((pod) => local.includes(pod.ip)) }),
  };
}
