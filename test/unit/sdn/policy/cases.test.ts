// Every upstream NetworkPolicy e2e case through k8s-ovs's own flows, in the flow simulator: the model's pods on two
// nodes, each probe walked through the sender's switch and, over VXLAN, the receiver's.
import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { NETPOL_CASES, caseTitle } from '../../../support/netpol/cases.js';
import { TruthTable, type PodKey } from '../../../support/netpol/matrix.js';
import { DEFAULT_ENV, ModelCluster } from '../../../support/netpol/model.js';
import { PipelineSim } from '../../../support/netpol/pipeline-sim.js';

// DEFAULT_ENV puts the pods in 10.128.0.0/24 and 10.128.1.0/24 alternately.
const NODES = [
  { ip: parseIpv4('192.168.50.1'), subnet: Cidr.parse('10.128.0.0/24') },
  { ip: parseIpv4('192.168.50.2'), subnet: Cidr.parse('10.128.1.0/24') },
];
const CLUSTER = Cidr.parse('10.128.0.0/14');

const pod = (key: PodKey) => {
  const [ns, name] = key.split('/') as ['x' | 'y' | 'z', string];
  return { pod: { namespace: DEFAULT_ENV.namespace(ns), name } };
};

describe('upstream NetworkPolicy e2e cases through the pipeline\'s flows (simulator, two nodes)', () => {
  for (const testCase of NETPOL_CASES) {
    it(`passes "${caseTitle(testCase)}"`, () => {
      const cluster = new ModelCluster(DEFAULT_ENV);
      const failures: string[] = [];
      for (const [s, step] of testCase.steps(DEFAULT_ENV).entries()) {
        for (const action of step.actions) cluster.apply(action);
        const sim = new PipelineSim(cluster, NODES, CLUSTER);
        for (const { protocol, port, expected } of step.probes) {
          const observed = TruthTable.from((from, to) => sim.delivered({ from: pod(from), to: pod(to), protocol, port }));
          const mismatches = expected.compare(observed);
          if (mismatches.length) failures.push(`step ${s + 1} ${protocol}/${port}:\nexpected\n${String(expected)}\nflows\n${String(observed)}`);
        }
      }
      expect(failures.join('\n\n')).to.equal('');
    });
  }
});
