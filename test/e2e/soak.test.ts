// Issue 22 proof, short: the churn soak (test/soak, `scripts/soak.sh` runs it for 20 minutes) for under a minute.
import { expect } from 'chai';
import { runChurnSoak, type SoakReport } from '../soak/churn.js';
import { type SoakEnvironment, startSoakEnvironment } from '../soak/environment.js';
import { summary } from '../soak/report.js';

/** KOVS_SOAK_SECONDS lengthens the CI run. */
const SECONDS = Number(process.env.KOVS_SOAK_SECONDS ?? 40);

describe('churn soak, short: pods churn through containerd while daemons, ovs-vswitchd and etcd members fail', function () {
  this.timeout(SECONDS * 1000 + 240_000);
  let env: SoakEnvironment;
  let report: SoakReport;

  before(async () => {
    env = await startSoakEnvironment({ underlaySubnet: '10.71.0.0/24' });
    report = await runChurnSoak(env, {
      durationMs: SECONDS * 1000, tickMs: 2000, podsPerNode: 4, chaosEveryMs: 3000, longMemberOutageMs: 10_000, rssEveryMs: 2000,
      log: () => undefined,
    });
    console.log(summary(report, env.nodes.map((n) => n.name)).split('\n').map((line) => `      ${line}`).join('\n'));
  });

  after(async () => {
    await env?.stop();
  });

  it('never hands out an address twice and leaves no address, port, veth, flow, meter or QoS row behind', () => {
    expect(report.created, 'pods created').to.be.greaterThan(10);
    expect(new Set(report.events.map((e) => e.kind)), 'every kind of failure happened').to.have.all.keys(
      'daemon', 'ovs-vswitchd', 'etcd member', 'etcd member (long)');
    expect(report.duplicates).to.deep.equal([]);
    expect(report.leaks).to.deep.equal(Object.fromEntries(env.nodes.map((n) => [n.name, []])));
    expect(report.vnidClaimsMatch, 'one VNID claim per VNID in use').to.equal(true);
    expect(report.problems).to.deep.equal([]);
  });

  // The userspace datapath itself drops what it carries while ovs-vswitchd restarts and, now and then, a packet
  // while it adds or deletes a port: both are the sandbox's datapath, not k8s-ovs (docs/reliability.md); any other loss counts.
  it('loses no ping of the long-lived pair but to the userspace datapath\'s own restarts and port changes', () => {
    const { lost, lostInVswitchdRestarts, lostNearPortChanges } = report.pings;
    expect(lost - lostInVswitchdRestarts - lostNearPortChanges, JSON.stringify(report.pings)).to.equal(0);
  });
});
