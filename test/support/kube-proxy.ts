// What kube-proxy (iptables mode, --cluster-cidr set) writes on every node for a Service, reduced to what the
// tests need: DNAT from the ClusterIP (or an external IP) to the endpoints the Service's Endpoints name, in turn
// per new connection; masquerade of a pod that reaches itself (hairpin), exactly as kube-proxy marks it.
import type { SandboxNode } from './sandbox/index.js';

export interface ProxiedService {
  /** Chain-name-safe, unique per test: [A-Z0-9-], at most 20 characters. */
  id: string;
  /** The ClusterIP, or any address kube-proxy would take over (an external IP). */
  ip: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** What the Service's Endpoints (or EndpointSlices) say, written by whoever may write them. */
  endpoints: ReadonlyArray<{ ip: string; port: number }>;
}

const MASQUERADE_MARK = '0x4000/0x4000';

export class KubeProxyStandIn {
  private prepared = false;

  constructor(private readonly nodes: readonly SandboxNode[]) {}

  /** Programs the service on every node, as kube-proxy would after reading its Endpoints. */
  async program(service: ProxiedService): Promise<void> {
    if (!/^[A-Z0-9-]{1,20}$/.test(service.id)) throw new Error(`service id "${service.id}" must be [A-Z0-9-]{1,20}`);
    for (const node of this.nodes) {
      if (!this.prepared) await this.prepare(node);
      const ipt = (...args: string[]) => node.exec('iptables', ['-w', '-t', 'nat', ...args]);
      const chain = `KP-SVC-${service.id}`;
      await ipt('-N', chain);
      const count = service.endpoints.length;
      for (const [i, endpoint] of service.endpoints.entries()) {
        const sep = `KP-SEP-${service.id}-${i}`;
        await ipt('-N', sep);
        // kube-proxy: a pod that is the endpoint itself must be masqueraded, or the answer never leaves it.
        await ipt('-A', sep, '-s', `${endpoint.ip}/32`, '-j', 'MARK', '--set-xmark', MASQUERADE_MARK);
        await ipt('-A', sep, '-p', service.protocol, '-j', 'DNAT', '--to-destination', `${endpoint.ip}:${endpoint.port}`);
        const turn = i < count - 1 ? ['-m', 'statistic', '--mode', 'nth', '--every', String(count - i), '--packet', '0'] : [];
        await ipt('-A', chain, ...turn, '-j', sep);
      }
      await ipt('-A', 'PREROUTING', '-d', `${service.ip}/32`, '-p', service.protocol, '--dport', String(service.port), '-j', chain);
    }
    this.prepared = true;
  }

  private async prepare(node: SandboxNode): Promise<void> {
    await node.exec('iptables', ['-w', '-t', 'nat', '-A', 'POSTROUTING', '-m', 'mark', '--mark', MASQUERADE_MARK, '-j', 'MASQUERADE']);
  }
}
