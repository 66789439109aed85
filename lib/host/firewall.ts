// The node's iptables accept rules (filter table), which keep pod traffic alive on a host whose firewall
// drops by default, and the original k8s-ovs's masquerade rule, which a switched node must not keep.
import type { CommandRunner } from '../exec/command.js';
import { CommandError } from '../exec/command.js';
import type { Cidr } from '../net/ipv4.js';
import { POD_GUARD_CHAIN } from './pod-guard.js';

/** One ACCEPT rule; its comment names it, so the rule is found again whatever iptables prints for the match. */
export interface AcceptRule {
  chain: 'INPUT' | 'FORWARD';
  match: readonly string[];
  /** Unique per rule, and what `iptables-save` shows of it: the rule's identity. */
  comment: string;
}

export const RULE_COMMENT_PREFIX = 'k8s-ovs:';

export class HostFirewall {
  constructor(private readonly runner: CommandRunner) {}

  /**
   * Inserts each missing rule at the top of its chain, ahead of any DROP or REJECT but below the jump to
   * the pod guard (which must see pod traffic first), and returns those it inserted. Rules of others are
   * never touched, and a rule already present is never added twice.
   */
  async ensure(rules: readonly AcceptRule[]): Promise<AcceptRule[]> {
    const saved = await this.saved();
    const missing = rules.filter((rule) => !saved.some((line) => isSavedRule(line, rule)));
    for (const rule of missing) {
      const chain = saved.filter((line) => line.startsWith(`-A ${rule.chain} `));
      const position = chain.findIndex((line) => line.endsWith(` -j ${POD_GUARD_CHAIN}`)) + 2;
      await this.runner.run('iptables', ['-w', '-I', rule.chain, String(position), ...ruleSpec(rule)]);
    }
    return missing;
  }

  private async saved(): Promise<string[]> {
    return (await this.runner.run('iptables-save', ['-t', 'filter'])).split('\n').map((line) => line.trim());
  }

  /**
   * Deletes the original k8s-ovs's `-s <cluster network> -j MASQUERADE` (exactly that rule, which it never
   * removed): it also rewrote pod-to-service traffic that kube-proxy sends back out of tun0 to the gateway's
   * address, so the backend saw VNID 0 instead of the client's tenant. True if it was there.
   */
  async removeOriginalMasquerade(clusterNetwork: Cidr): Promise<boolean> {
    const rule = ['POSTROUTING', '-s', clusterNetwork.toString(), '-j', 'MASQUERADE'];
    try {
      await this.runner.run('iptables', ['-w', '-t', 'nat', '-C', ...rule]);
    } catch (error) {
      if (error instanceof CommandError) return false;
      throw error;
    }
    await this.runner.run('iptables', ['-w', '-t', 'nat', '-D', ...rule]);
    return true;
  }
}

function ruleSpec(rule: AcceptRule): string[] {
  return [...rule.match, '-m', 'comment', '--comment', rule.comment, '-j', 'ACCEPT'];
}

/** An `iptables-save` line of this rule: its chain, its comment (quoted when it has spaces) and ACCEPT. */
function isSavedRule(line: string, rule: AcceptRule): boolean {
  if (!line.startsWith(`-A ${rule.chain} `) || !/ -j ACCEPT\s*$/.test(line)) return false;
  return line.includes(`--comment "${rule.comment}"`) || line.includes(`--comment ${rule.comment} `);
}
