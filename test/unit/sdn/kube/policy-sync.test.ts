// A mode that ignores NetworkPolicy tells the operator when policies exist, against the test API server.
import * as clientNode from '@kubernetes/client-node';
import { expect } from 'chai';
import { KubeClient } from '../../../../lib/k8s/index.js';
import { warnIgnoredPolicies } from '../../../../lib/sdn/kube/policy-sync.js';
import { TestApiServer } from '../../../support/apiserver/index.js';
import { recordingLogger } from '../../k8s/recorder.js';

describe('NetworkPolicies in a mode that ignores them', () => {
  let server: TestApiServer;

  beforeEach(async () => {
    server = await TestApiServer.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  const warnings = async () => {
    const { logger, lines } = recordingLogger();
    await warnIgnoredPolicies(new KubeClient(server.kubeConfig(), clientNode), 'k8s-ovs-subnet', logger);
    return lines.filter((line) => line.level === 'warn').map((line) => line.message);
  };

  it('warns once at start, naming them, when policies exist', async () => {
    expect(await warnings()).to.deep.equal([]);
    for (const name of ['deny-all', 'web']) {
      server.create('networkpolicies', { metadata: { name, namespace: 'default' }, spec: { podSelector: {} } });
    }
    expect(await warnings()).to.deep.equal(['2 NetworkPolicies exist (default/deny-all, default/web) but PluginName k8s-ovs-subnet '
      + 'ignores NetworkPolicy: nothing they isolate is isolated; use k8s-ovs-networkpolicy or k8s-ovs-multitenant to enforce them']);
  });
});
