// The accept rules a node needs on a host with a firewall, kept in place: a firewall reload (firewalld,
// iptables-restore) drops them, and the daemon puts them back within FIREWALL_CHECK_MS.
import type { AcceptRule, HostFirewall } from '../../host/firewall.js';
import { RULE_COMMENT_PREFIX } from '../../host/firewall.js';
import type { Logger } from '../../log.js';
import type { Cidr } from '../../net/ipv4.js';
import { PeriodicCheck } from './periodic-check.js';

/** OVS's vxlan ports use the IANA port unless options:dst_port says otherwise (ours never does). */
export const VXLAN_UDP_PORT = 4789;

/** One `iptables-save` every this often: cheap next to what a firewall reload costs the pods. */
export const FIREWALL_CHECK_MS = 5000;

/**
 * The original k8s-ovs's accept rules: VXLAN from other nodes and whatever pods send to this host through
 * the gateway device come in (INPUT), and the cluster network is forwarded both ways (FORWARD), so a
 * default DROP (Docker sets one on FORWARD) or a firewalld zone does not cut pods off.
 */
export function nodeAcceptRules(clusterNetwork: Cidr, gatewayDevice: string): AcceptRule[] {
  const cidr = clusterNetwork.toString();
  return [
    { chain: 'INPUT', match: ['-p', 'udp', '--dport', String(VXLAN_UDP_PORT)], comment: `${RULE_COMMENT_PREFIX} VXLAN from other nodes` },
    { chain: 'INPUT', match: ['-i', gatewayDevice], comment: `${RULE_COMMENT_PREFIX} from pods through ${gatewayDevice}` },
    { chain: 'FORWARD', match: ['-s', cidr], comment: `${RULE_COMMENT_PREFIX} forward from the cluster network ${cidr}` },
    { chain: 'FORWARD', match: ['-d', cidr], comment: `${RULE_COMMENT_PREFIX} forward to the cluster network ${cidr}` },
  ];
}

export interface FirewallKeeperOptions {
  intervalMs?: number;
  /** Runs after rules were put back: whatever removed them (a reload) removed other rules of the daemon too. */
  afterRepair?: () => Promise<void>;
}

export class FirewallKeeper {
  private readonly periodic: PeriodicCheck;
  private failing = false;
  /** How many times rules were found missing after the first check and put back. */
  repairs = 0;

  constructor(
    private readonly firewall: Pick<HostFirewall, 'ensure'>,
    private readonly rules: readonly AcceptRule[],
    private readonly log: Logger,
    private readonly options: FirewallKeeperOptions = {},
  ) {
    this.periodic = new PeriodicCheck(() => this.check(), options.intervalMs ?? FIREWALL_CHECK_MS);
  }

  /** Puts the rules in place (failing if it cannot), then checks them every interval. */
  async start(): Promise<void> {
    const added = await this.firewall.ensure(this.rules);
    this.log.info('firewall accept rules in place', { added: added.map((rule) => rule.comment), kept: this.rules.length - added.length });
    this.periodic.start();
  }

  stop(): void {
    this.periodic.stop();
  }

  private async check(): Promise<void> {
    try {
      const added = await this.firewall.ensure(this.rules);
      if (this.failing) this.log.info('firewall rules can be checked again');
      this.failing = false;
      if (!added.length) return;
      this.repairs += 1;
      this.log.warn('put back firewall accept rules that were removed (a firewall reload?)', { rules: added.map((rule) => rule.comment) });
      await this.options.afterRepair?.();
    } catch (error) {
      if (!this.failing) this.log.error('checking the firewall accept rules failed; retrying', { error: (error as Error).message });
      this.failing = true;
    }
  }
}
