// REST semantics of the test API server, exercised through client-node's CoreV1Api and plain fetch.
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { TestApiServer } from '../../support/apiserver/index.js';

interface Failure {
  code: number;
  reason: string;
  message: string;
}

/** The Status a refused request answered with. */
async function failure(request: Promise<unknown>): Promise<Failure> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const status = JSON.parse(String(error.body)) as Failure;
    return { code: error.code, reason: status.reason, message: status.message };
  }
  throw new Error('expected the request to be refused');
}

const container = { name: 'app', image: 'busybox' };

describe('test API server REST semantics', function () {
  let server: TestApiServer;
  let api: CoreV1Api;

  beforeEach(async function () {
    server = await TestApiServer.start();
    api = server.kubeConfig().makeApiClient(CoreV1Api);
    await api.createNamespace({ body: { metadata: { name: 'tenant-a' } } });
  });

  afterEach(async function () {
    await server.stop();
  });

  it('stamps every object with a uid, a creationTimestamp and a resourceVersion from one counter', async function () {
    const node = await api.createNode({ body: { metadata: { name: 'node-1' } } });
    const pod = await api.createNamespacedPod({ namespace: 'tenant-a', body: { metadata: { name: 'web' }, spec: { containers: [container] } } });
    expect(node.metadata?.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(node.metadata?.creationTimestamp).to.be.instanceOf(Date);
    expect(Number(pod.metadata?.resourceVersion)).to.equal(Number(node.metadata?.resourceVersion) + 1);
    expect(pod.metadata?.namespace).to.equal('tenant-a');
    expect(pod.status?.phase).to.equal('Pending');
  });

  it('answers lists with kind XxxList, apiVersion v1 and the current resourceVersion', async function () {
    const response = await fetch(`${server.url}/api/v1/namespaces`);
    const list = (await response.json()) as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: object[] };
    expect(list.kind).to.equal('NamespaceList');
    expect(list.apiVersion).to.equal('v1');
    expect(list.metadata.resourceVersion).to.equal(server.resourceVersion);
    expect(list.items).to.have.length(5);
    expect(list.items[0]).to.not.have.any.keys('kind', 'apiVersion');
  });

  it('refuses a stale resourceVersion with 409 Conflict and takes an empty one as unconditional', async function () {
    const created = await api.createNode({ body: { metadata: { name: 'node-1' } } });
    await api.replaceNode({ name: 'node-1', body: { ...created, metadata: { ...created.metadata, labels: { zone: 'a' } } } });
    const stale = await failure(api.replaceNode({ name: 'node-1', body: { ...created, metadata: { ...created.metadata, labels: { zone: 'b' } } } }));
    expect(stale).to.deep.include({ code: 409, reason: 'Conflict' });
    expect(stale.message).to.contain('the object has been modified');

    const { resourceVersion: _unused, ...metadata } = created.metadata ?? {};
    const unconditional = { ...created, metadata: { ...metadata, labels: { zone: 'c' } } };
    expect((await api.replaceNode({ name: 'node-1', body: unconditional })).metadata?.labels).to.deep.equal({ zone: 'c' });
  });

  it('keeps the resourceVersion when an update changes nothing', async function () {
    const created = await api.createNode({ body: { metadata: { name: 'node-1' } } });
    const again = await api.replaceNode({ name: 'node-1', body: created });
    expect(again.metadata?.resourceVersion).to.equal(created.metadata?.resourceVersion);
    expect(server.resourceVersion).to.equal(created.metadata?.resourceVersion);
  });

  it('answers 409 AlreadyExists, 404 NotFound and 400 for an unsupported field selector', async function () {
    await api.createNode({ body: { metadata: { name: 'node-1' } } });
    expect(await failure(api.createNode({ body: { metadata: { name: 'node-1' } } }))).to.deep.include({ code: 409, reason: 'AlreadyExists' });
    expect(await failure(api.readNode({ name: 'node-2' }))).to.deep.equal({ code: 404, reason: 'NotFound', message: 'nodes "node-2" not found' });
    expect(await failure(api.listNode({ fieldSelector: 'spec.nodeName=x' }))).to.deep.equal({
      code: 400,
      reason: 'BadRequest',
      message: 'field label not supported: spec.nodeName',
    });
    expect(await failure(api.createNode({ body: { metadata: { name: 'Not_A_Name' } } }))).to.deep.include({ code: 422, reason: 'Invalid' });
  });

  it('refuses new content in a missing or terminating namespace, and removes a namespace once its pods are gone', async function () {
    const body = { metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [container] } };
    expect(await failure(api.createNamespacedPod({ namespace: 'nowhere', body }))).to.deep.include({ code: 404, reason: 'NotFound' });
    await api.createNamespacedPod({ namespace: 'tenant-a', body });

    await api.deleteNamespace({ name: 'tenant-a' });
    expect(server.get('namespaces', 'tenant-a')?.status?.phase).to.equal('Terminating');
    const refused = await failure(api.createNamespacedPod({ namespace: 'tenant-a', body: { ...body, metadata: { name: 'late' } } }));
    expect(refused).to.deep.include({ code: 403, reason: 'Forbidden' });
    // The scheduled pod waits for its kubelet; a grace-0 delete is that kubelet's confirmation.
    expect(server.get('pods', 'web', 'tenant-a')?.metadata.deletionTimestamp).to.be.a('string');
    await api.deleteNamespacedPod({ name: 'web', namespace: 'tenant-a', gracePeriodSeconds: 0 });
    expect(server.get('namespaces', 'tenant-a')).to.equal(undefined);
  });

  it('holds a deletion while finalizers remain', async function () {
    server.create('nodes', { metadata: { name: 'node-1', finalizers: ['example.com/hold'] } });
    await api.deleteNode({ name: 'node-1' });
    const held = server.get('nodes', 'node-1')!;
    expect(held.metadata.deletionTimestamp).to.be.a('string');
    server.update('nodes', { ...held, metadata: { ...held.metadata, finalizers: [] } });
    expect(server.get('nodes', 'node-1')).to.equal(undefined);
  });

  it('lets a REST update change neither a pod node nor its status; binding and /status do', async function () {
    const pod = await api.createNamespacedPod({
      namespace: 'tenant-a',
      body: { metadata: { name: 'web' }, spec: { containers: [container] }, status: { podIP: '10.1.0.5' } },
    });
    expect(pod.status?.podIP).to.equal(undefined);
    const moved: V1Pod = { ...pod, spec: { ...pod.spec!, nodeName: 'node-1' } };
    expect(await failure(api.replaceNamespacedPod({ name: 'web', namespace: 'tenant-a', body: moved }))).to.deep.include({ code: 422 });

    await api.createNamespacedPodBinding({
      name: 'web',
      namespace: 'tenant-a',
      body: { metadata: { name: 'web' }, target: { kind: 'Node', name: 'node-1' } },
    });
    const bound = await api.readNamespacedPod({ name: 'web', namespace: 'tenant-a' });
    expect(bound.spec?.nodeName).to.equal('node-1');
    const twice = api.createNamespacedPodBinding({ name: 'web', namespace: 'tenant-a', body: { metadata: { name: 'web' }, target: { kind: 'Node', name: 'node-2' } } });
    expect(await failure(twice)).to.deep.include({ code: 409, reason: 'Conflict' });

    const ignored = await api.replaceNamespacedPod({ name: 'web', namespace: 'tenant-a', body: { ...bound, status: { phase: 'Running' } } });
    expect(ignored.status?.phase).to.equal('Pending');
    const running = await api.replaceNamespacedPodStatus({ name: 'web', namespace: 'tenant-a', body: { ...bound, status: { phase: 'Running', podIP: '10.1.0.5' } } });
    expect(running.status).to.deep.include({ phase: 'Running', podIP: '10.1.0.5' });
  });

  it('allocates each Service a ClusterIP from the service CIDR, keeps it on update and frees it on delete', async function () {
    const ports = [{ port: 80 }];
    const first = await api.createNamespacedService({ namespace: 'tenant-a', body: { metadata: { name: 'web' }, spec: { ports } } });
    expect(first.spec?.clusterIP).to.equal('10.96.0.2');
    expect(first.spec?.ports?.[0]).to.deep.include({ port: 80, protocol: 'TCP', targetPort: 80 });
    const updated = await api.replaceNamespacedService({
      name: 'web',
      namespace: 'tenant-a',
      body: { ...first, spec: { ports, selector: { app: 'web' } } },
    });
    expect(updated.spec?.clusterIP).to.equal('10.96.0.2');
    const taken = api.createNamespacedService({ namespace: 'tenant-a', body: { metadata: { name: 'copy' }, spec: { clusterIP: '10.96.0.2', ports } } });
    expect(await failure(taken)).to.deep.include({ code: 422, reason: 'Invalid' });

    await api.deleteNamespacedService({ name: 'web', namespace: 'tenant-a' });
    const reused = await api.createNamespacedService({ namespace: 'tenant-a', body: { metadata: { name: 'next' }, spec: { ports } } });
    expect(reused.spec?.clusterIP).to.equal('10.96.0.2');
  });

  it('applies JSON patches and merge patches, and refuses unknown patch types', async function () {
    await api.createNode({ body: { metadata: { name: 'node-1', labels: { zone: 'a', rack: '1' } } } });
    const patched = await api.patchNode({ name: 'node-1', body: [{ op: 'replace', path: '/metadata/labels/zone', value: 'b' }] });
    expect(patched.metadata?.labels).to.deep.equal({ zone: 'b', rack: '1' });
    const merged = await api.patchNode(
      { name: 'node-1', body: { metadata: { labels: { rack: null, role: 'edge' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).to.deep.equal({ zone: 'b', role: 'edge' });
    const response = await fetch(`${server.url}/api/v1/nodes/node-1`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: '{}',
    });
    expect(response.status).to.equal(415);
  });

  it('starts an unversioned watch with the current objects, and ends sendInitialEvents with a bookmark', async function () {
    const watch = async (query: string) => {
      const response = await fetch(`${server.url}/api/v1/namespaces?watch=1&timeoutSeconds=1&${query}`);
      const lines = (await response.text()).trim().split('\n');
      return lines.map((line) => JSON.parse(line) as { type: string; object: { metadata: Record<string, unknown> } });
    };
    const [plain, streamed] = await Promise.all([
      watch('labelSelector=kubernetes.io/metadata.name%3Dtenant-a'),
      watch('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true'),
    ]);
    expect(plain.map(({ type, object }) => `${type} ${String(object.metadata.name)}`)).to.deep.equal(['ADDED tenant-a']);
    expect(streamed.slice(0, 5).map(({ type }) => type)).to.deep.equal(['ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED']);
    expect(streamed[5]).to.deep.include({ type: 'BOOKMARK' });
    expect(streamed[5]!.object.metadata).to.deep.equal({
      resourceVersion: server.resourceVersion,
      annotations: { 'k8s.io/initial-events-end': 'true' },
    });
  });

  it('serves discovery for kubectl-like clients', async function () {
    const resources = (await (await fetch(`${server.url}/api/v1`)).json()) as { resources: { name: string }[] };
    expect(resources.resources.map(({ name }) => name)).to.include.members(['namespaces', 'nodes', 'services', 'pods', 'pods/binding']);
    expect(await (await fetch(`${server.url}/healthz`)).text()).to.equal('ok');
  });
});
