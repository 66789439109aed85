// The node's accept rules: inserted once at the top of their chains, put back when a reload removed them,
// and nothing else touched. The fake prints rules the way iptables-save 1.8.9 printed them here.
import { expect } from 'chai';
import { CommandError, type CommandRunner } from '../../../lib/exec/command.js';
import { HostFirewall } from '../../../lib/host/firewall.js';
import { POD_GUARD_CHAIN } from '../../../lib/host/pod-guard.js';
import { Cidr } from '../../../lib/net/ipv4.js';
import { silentLogger } from '../../../lib/log.js';
import { FirewallKeeper, nodeAcceptRules } from '../../../lib/sdn/node/firewall.js';

const CLUSTER = Cidr.parse('10.128.0.0/14');

/** A filter and nat table in memory: `iptables -I/-C/-D` change or check them, `iptables-save -t filter` prints them. */
class FakeIptables implements CommandRunner {
  filter: Record<string, string[]> = {
    INPUT: ['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', '-A INPUT -j REJECT --reject-with icmp-host-prohibited'],
    FORWARD: ['-A FORWARD -j REJECT --reject-with icmp-host-prohibited'],
  };
  nat: string[] = [];
  readonly runs: string[] = [];

  async run(command: string, args: readonly string[]): Promise<string> {
    this.runs.push([command, ...args].join(' '));
    if (command === 'iptables-save') {
      return ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ...this.filter.INPUT!, ...this.filter.FORWARD!, 'COMMIT', ''].join('\n');
    }
    const [wait, ...rest] = args;
    expect(wait).to.equal('-w');
    if (rest[0] === '-t' && rest[1] === 'nat') return this.natCommand(rest.slice(2), command, args);
    const [op, chain, position, ...spec] = rest;
    expect(op).to.equal('-I');
    this.filter[chain!]!.splice(Number(position) - 1, 0, `-A ${chain} ${saved(spec)}`);
    return '';
  }

  private natCommand([op, chain, ...spec]: string[], command: string, args: readonly string[]): string {
    const line = `-A ${chain} ${spec.join(' ')}`;
    if (op === '-C' && !this.nat.includes(line)) throw new CommandError(command, args, 1, 'iptables: Bad rule');
    if (op === '-D') this.nat = this.nat.filter((rule) => rule !== line);
    return '';
  }
}

/** What iptables-save shows for a rule we inserted: `-m udp` added, comments with spaces quoted. */
function saved(spec: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < spec.length; i++) {
    const word = spec[i]!;
    if (word === '--dport') out.push('-m', 'udp');
    out.push(spec[i - 1] === '--comment' && word.includes(' ') ? `"${word}"` : word);
  }
  return out.join(' ');
}

describe('node firewall', () => {
  it('inserts the original\'s four accept rules at the top of INPUT and FORWARD, once', async () => {
    const iptables = new FakeIptables();
    const firewall = new HostFirewall(iptables);
    const rules = nodeAcceptRules(CLUSTER, 'tun0');
    expect((await firewall.ensure(rules)).length).to.equal(4);
    expect(iptables.filter.INPUT!.slice(0, 2)).to.have.members([
      '-A INPUT -p udp -m udp --dport 4789 -m comment --comment "k8s-ovs: VXLAN from other nodes" -j ACCEPT',
      '-A INPUT -i tun0 -m comment --comment "k8s-ovs: from pods through tun0" -j ACCEPT',
    ]);
    expect(iptables.filter.FORWARD!.slice(0, 2)).to.have.members([
      '-A FORWARD -s 10.128.0.0/14 -m comment --comment "k8s-ovs: forward from the cluster network 10.128.0.0/14" -j ACCEPT',
      '-A FORWARD -d 10.128.0.0/14 -m comment --comment "k8s-ovs: forward to the cluster network 10.128.0.0/14" -j ACCEPT',
    ]);
    const before = JSON.stringify(iptables.filter);
    expect(await firewall.ensure(rules)).to.deep.equal([]);
    expect(JSON.stringify(iptables.filter)).to.equal(before);
    expect(iptables.filter.INPUT!.at(-1)).to.equal('-A INPUT -j REJECT --reject-with icmp-host-prohibited');
  });

  it('does not take a rule of someone else for its own, and removes nothing', async () => {
    const iptables = new FakeIptables();
    // The original k8s-ovs's own rule: same match, another comment. It stays, and ours goes in beside it.
    iptables.filter.INPUT!.unshift('-A INPUT -p udp -m multiport --dports 4789 -m comment --comment "001 vxlan incoming" -j ACCEPT');
    const added = await new HostFirewall(iptables).ensure(nodeAcceptRules(CLUSTER, 'tun0'));
    expect(added.map((rule) => rule.comment)).to.include('k8s-ovs: VXLAN from other nodes');
    expect(iptables.filter.INPUT).to.include('-A INPUT -p udp -m multiport --dports 4789 -m comment --comment "001 vxlan incoming" -j ACCEPT');
    expect(iptables.runs.filter((run) => / -D /.test(run))).to.deep.equal([]);
  });

  it('keeps the pod guard\'s jump first: pod traffic meets the guard before any accept rule', async () => {
    const iptables = new FakeIptables();
    const jump = (chain: string) => `-A ${chain} -i tun0 -j ${POD_GUARD_CHAIN}`;
    iptables.filter.INPUT!.unshift(jump('INPUT'));
    iptables.filter.FORWARD!.unshift(jump('FORWARD'));
    await new HostFirewall(iptables).ensure(nodeAcceptRules(CLUSTER, 'tun0'));
    expect(iptables.filter.INPUT![0]).to.equal(jump('INPUT'));
    expect(iptables.filter.FORWARD![0]).to.equal(jump('FORWARD'));
    expect(iptables.filter.INPUT!.slice(1, 3).every((rule) => rule.includes('k8s-ovs:'))).to.equal(true);
  });

  it('puts back rules a firewall reload removed, within one check, and says so once', async () => {
    const iptables = new FakeIptables();
    let afterRepair = 0;
    const keeper = new FirewallKeeper(new HostFirewall(iptables), nodeAcceptRules(CLUSTER, 'tun0'), silentLogger,
      { intervalMs: 20, afterRepair: async () => { afterRepair += 1; } });
    await keeper.start();
    try {
      iptables.filter.FORWARD = iptables.filter.FORWARD!.filter((rule) => !rule.includes('k8s-ovs'));
      await waitFor(() => iptables.filter.FORWARD!.filter((rule) => rule.includes('k8s-ovs')).length === 2);
      expect(keeper.repairs).to.equal(1);
      expect(afterRepair, 'the pod guard is re-applied after a repair').to.equal(1);
    } finally {
      keeper.stop();
    }
  });

  it('removes the original\'s cluster-wide MASQUERADE, exactly that rule, once', async () => {
    const iptables = new FakeIptables();
    const original = '-A POSTROUTING -s 10.128.0.0/14 -j MASQUERADE';
    const ours = '-A POSTROUTING -s 10.128.0.0/14 ! -d 10.128.0.0/14 -m comment --comment k8s-ovs -j MASQUERADE';
    iptables.nat = [original, ours];
    const firewall = new HostFirewall(iptables);
    expect(await firewall.removeOriginalMasquerade(CLUSTER)).to.equal(true);
    expect(iptables.nat).to.deep.equal([ours]);
    expect(await firewall.removeOriginalMasquerade(CLUSTER)).to.equal(false);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).to.equal(true);
}
