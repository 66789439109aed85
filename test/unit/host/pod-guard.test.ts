import { expect } from 'chai';
import { POD_GUARD_CHAIN, PodGuard, type PodGuardRules, podGuardRestoreInput } from '../../../lib/host/pod-guard.js';
import { parseIpv4 } from '../../../lib/net/ipv4.js';
import { ScriptedRunner } from '../../support/scripted-runner.js';

const rules: PodGuardRules = {
  podDevice: 'tun0', endpoints: [{ ip: parseIpv4('10.0.0.10'), port: 2379 }, { ip: parseIpv4('10.0.0.10'), port: 2380 }],
  udpPorts: [4789], localTcpPorts: [9101], allowedSources: [parseIpv4('10.128.0.9')],
};
const jump = (chain: string) => `-A ${chain} -i tun0 -j ${POD_GUARD_CHAIN}`;

describe('the host\'s pod guard (iptables)', () => {
  it('renders the whole chain for iptables-restore: VXLAN first, then allowed pods, then the endpoints', () => {
    expect(podGuardRestoreInput(rules).split('\n')).to.deep.equal([
      '*filter',
      ':K8S-OVS-POD-GUARD - [0:0]',
      '-A K8S-OVS-POD-GUARD -p udp --dport 4789 -j DROP',
      '-A K8S-OVS-POD-GUARD -s 10.128.0.9/32 -j RETURN',
      '-A K8S-OVS-POD-GUARD -d 10.0.0.10/32 -p tcp --dport 2379 -j DROP',
      '-A K8S-OVS-POD-GUARD -d 10.0.0.10/32 -p tcp --dport 2380 -j DROP',
      '-A K8S-OVS-POD-GUARD -p tcp --dport 9101 -m addrtype --dst-type LOCAL -j DROP',
      'COMMIT',
      '',
    ]);
  });

  it('replaces the chain with --noflush and puts its jump first in INPUT and FORWARD, once', async () => {
    const runner = new ScriptedRunner([(call) => (call.args.includes('-S') ? `-P ${call.args.at(-1)} ACCEPT\n${jump(call.args.at(-1)!)}\n` : undefined)]);
    await new PodGuard(runner).apply(rules);
    expect(runner.describe()).to.deep.equal([
      'iptables-restore -w --noflush', 'iptables -w -S INPUT', 'iptables -w -S FORWARD',
    ]);
  });

  it('moves its jump back to the top when a firewall put an ACCEPT above it', async () => {
    const accept = '-A INPUT -i tun0 -j ACCEPT';
    const runner = new ScriptedRunner([(call) => {
      if (!call.args.includes('-S')) return undefined;
      return call.args.at(-1) === 'INPUT' ? `-P INPUT ACCEPT\n${accept}\n${jump('INPUT')}\n` : '-P FORWARD DROP\n';
    }]);
    await new PodGuard(runner).apply(rules);
    expect(runner.describe().slice(1)).to.deep.equal([
      'iptables -w -S INPUT', `iptables -w -D INPUT -i tun0 -j ${POD_GUARD_CHAIN}`, `iptables -w -I INPUT 1 -i tun0 -j ${POD_GUARD_CHAIN}`,
      'iptables -w -S FORWARD', `iptables -w -I FORWARD 1 -i tun0 -j ${POD_GUARD_CHAIN}`,
    ]);
  });
});
