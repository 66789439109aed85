// The node's iptables guard on what pods send into the host through tun0: kube-proxy's DNAT can carry a pod's
// packet to any address it names (a Service with hand-written endpoints), past the switch's own EgressGuard.
import type { CommandRunner } from '../exec/command.js';
import type { Ipv4 } from '../net/ipv4.js';

export const POD_GUARD_CHAIN = 'K8S-OVS-POD-GUARD';

export interface PodGuardRules {
  /** The device pods' traffic enters the host from (tun0). */
  podDevice: string;
  /** TCP endpoints no pod may reach, whatever address it asked for (etcd's client and peer URLs). */
  endpoints: ReadonlyArray<{ ip: Ipv4; port: number }>;
  /** UDP ports no pod may send to, anywhere (the VXLAN port). */
  udpPorts: readonly number[];
  /** TCP ports of this host no pod may open on any of its addresses (an exposed metrics port). */
  localTcpPorts: readonly number[];
  /** Pods allowed to reach `endpoints` (--etcd-access-namespaces); never `udpPorts`. */
  allowedSources: readonly Ipv4[];
}

/** Renders the chain for `iptables-restore --noflush`: declaring it flushes it, so the rules are replaced at once. */
export function podGuardRestoreInput(rules: PodGuardRules): string {
  const rule = (spec: string) => `-A ${POD_GUARD_CHAIN} ${spec}`;
  return [
    '*filter',
    `:${POD_GUARD_CHAIN} - [0:0]`,
    ...rules.udpPorts.map((port) => rule(`-p udp --dport ${port} -j DROP`)),
    ...rules.allowedSources.map((ip) => rule(`-s ${ip}/32 -j RETURN`)),
    ...rules.endpoints.map(({ ip, port }) => rule(`-d ${ip}/32 -p tcp --dport ${port} -j DROP`)),
    ...rules.localTcpPorts.map((port) => rule(`-p tcp --dport ${port} -m addrtype --dst-type LOCAL -j DROP`)),
    'COMMIT',
    '',
  ].join('\n');
}

export class PodGuard {
  constructor(private readonly runner: CommandRunner) {}

  /** Replaces the chain's rules atomically and makes INPUT and FORWARD send pod traffic through it first. */
  async apply(rules: PodGuardRules): Promise<void> {
    await this.runner.run('iptables-restore', ['-w', '--noflush'], { input: podGuardRestoreInput(rules) });
    for (const chain of ['INPUT', 'FORWARD']) await this.ensureFirst(chain, ['-i', rules.podDevice, '-j', POD_GUARD_CHAIN]);
  }

  /**
   * Puts the jump first in `chain`: an ACCEPT for tun0 placed above it (a firewall's, an admin's) would let
   * pods past the guard. Rules are re-read each time, so a firewall reload that moved it is repaired.
   */
  private async ensureFirst(chain: string, rule: string[]): Promise<void> {
    const listed = (await this.runner.run('iptables', ['-w', '-S', chain])).split('\n').filter((line) => line.startsWith('-A '));
    if (listed[0] === `-A ${chain} ${rule.join(' ')}`) return;
    if (listed.includes(`-A ${chain} ${rule.join(' ')}`)) await this.runner.run('iptables', ['-w', '-D', chain, ...rule]);
    await this.runner.run('iptables', ['-w', '-I', chain, '1', ...rule]);
  }
}
