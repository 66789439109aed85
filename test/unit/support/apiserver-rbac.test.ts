// The test API server's bearer tokens and RBAC rules: a ServiceAccount gets what its ClusterRole allows, nothing more.
import { expect } from 'chai';
import { TestApiServer } from '../../support/apiserver/index.js';

const READER = { user: 'system:serviceaccount:kube-system:k8s-ovs', rules: [
  { apiGroups: [''], resources: ['namespaces', 'nodes', 'services', 'pods'], verbs: ['get', 'list', 'watch'] },
] };

describe('test API server bearer tokens and RBAC', () => {
  let server: TestApiServer;
  const call = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' } });

  beforeEach(async () => {
    server = await TestApiServer.start({ tokens: { 'reader-token': READER } });
  });

  afterEach(async () => {
    await server.stop();
  });

  it('lets a token get, list and watch what its rules name', async () => {
    expect((await call('/api/v1/pods', 'reader-token')).status).to.equal(200);
    expect((await call('/api/v1/namespaces/default', 'reader-token')).status).to.equal(200);
    const watch = await call('/api/v1/nodes?watch=true&timeoutSeconds=1', 'reader-token');
    expect(watch.status).to.equal(200);
    await watch.body?.cancel();
  });

  it('refuses anything else with the real server\'s 403, naming the user, verb and resource', async () => {
    const response = await call('/api/v1/namespaces/default/pods', 'reader-token', { method: 'POST', body: JSON.stringify({ metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'i' }] } }) });
    expect(response.status).to.equal(403);
    const status = await response.json() as { reason: string; message: string };
    expect(status.reason).to.equal('Forbidden');
    expect(status.message).to.equal('pods is forbidden: User "system:serviceaccount:kube-system:k8s-ovs" cannot create resource "pods" in API group "" in the namespace "default"');
    expect((await call('/api/v1/namespaces/default', 'reader-token', { method: 'DELETE' })).status).to.equal(403);
    expect(server.list('namespaces').map((ns) => ns.metadata.name)).to.include('default');
  });

  it('tells API groups apart: a core-group rule does not open networking.k8s.io NetworkPolicies', async () => {
    const path = '/apis/networking.k8s.io/v1/networkpolicies';
    const refused = await call(path, 'reader-token');
    expect(refused.status).to.equal(403);
    expect(((await refused.json()) as { message: string }).message).to.contain('cannot list resource "networkpolicies" in API group "networking.k8s.io" at the cluster scope');
    await server.stop();
    server = await TestApiServer.start({ tokens: { 'reader-token': { ...READER, rules: [...READER.rules,
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] }] } } });
    expect((await call(path, 'reader-token')).status).to.equal(200);
  });

  it('answers 401 to an unknown token and leaves requests without a token unrestricted', async () => {
    expect((await call('/api/v1/pods', 'stolen')).status).to.equal(401);
    expect((await call('/api/v1/namespaces', undefined, { method: 'POST', body: JSON.stringify({ metadata: { name: 'admin-made' } }) })).status).to.equal(201);
  });
});
