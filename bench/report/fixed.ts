// The fixed-address section of docs/benchmarks.md: ADD with a fixed address against a dynamic one, and claims at scale.
import type { FixedData } from '../control/fixed.js';
import { ms, num, ratio, table } from './format.js';

export function fixedSection(fixed: FixedData): string {
  const { add, scale } = fixed;
  const rss = (r: { rssMb: number; anonMb: number }) => `${num(r.rssMb, 0, 'MiB')} (anonymous ${num(r.anonMb, 0, 'MiB')})`;
  return [
    '### Fixed pod addresses',
    `ADD as a runtime sees it (the real plugin, NODE_EXTRA_CA_CERTS unset), one at a time, alternating a pod that gets a dynamic address from ` +
    `the node's HostSubnet and one that names a fixed address of an accepted pool (\`k8s.ovs.com/ip-address\`): ${add.pods} of each, after ` +
    'one of each to warm up; the daemon follows the test API server and is the master. A fixed address costs the annotation lookup and one ' +
    'etcd transaction (the claim) instead of the node-local IPAM record.',
    '', table(['ADD', 'p50', 'p90', 'p99', 'daemon p50', 'daemon p99'], [
      ['dynamic address', ms(add.dynamicMs.p50), ms(add.dynamicMs.p90), ms(add.dynamicMs.p99), ms(add.dynamicDaemonMs.p50), ms(add.dynamicDaemonMs.p99)],
      ['fixed address', ms(add.fixedMs.p50), ms(add.fixedMs.p90), ms(add.fixedMs.p99), ms(add.fixedDaemonMs.p50), ms(add.fixedDaemonMs.p99)],
    ]), '',
    `Fixed against dynamic, p50: ${ratio(add.fixedMs.p50 / add.dynamicMs.p50)} as the runtime sees it, ` +
    `${ratio(add.fixedDaemonMs.p50 / add.dynamicDaemonMs.p50)} inside the daemon.` +
    (add.failures.length ? ` ${add.failures.length} ADDs failed, e.g. ${add.failures[0]}.` : ''),
    '',
    `Then ${scale.addresses} fixed addresses claimed in etcd (in transactions of 100) by pods of ${scale.nodes} other nodes (HostSubnets written ` +
    'to etcd), as seen by the daemon of one node (not the master) that holds none of them: it routes each by four flows toward its holder.',
    '', table(['at scale', 'figure'], [
      [`every address's flows on the switch, from the first claim written`, num(scale.routedS, 1, 's')],
      ['fixed-address flows / all flows of the node', `${scale.fixedFlows} / ${scale.flows}`],
      ['daemon RSS before the claims (the other nodes known)', rss(scale.rss.before)],
      [`daemon RSS with the ${scale.addresses} addresses routed`, rss(scale.rss.atScale)],
      ['daemon and ovs-vswitchd restarted: daemon ready', num(scale.restart.readyS, 1, 's')],
      ['daemon and ovs-vswitchd restarted: every fixed-address flow back', num(scale.restart.convergedS, 1, 's')],
    ]),
  ].join('\n');
}
