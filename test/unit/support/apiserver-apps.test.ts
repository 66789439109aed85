// apps/v1 StatefulSets on the test API server: REST through client-node's AppsV1Api, discovery, and list/watch by an informer.
import * as clientNode from '@kubernetes/client-node';
import { AppsV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { Informer, KubeClient, type KubeStatefulSet, statefulSets } from '../../../lib/k8s/index.js';
import { TestApiServer } from '../../support/apiserver/index.js';
import { Recorder, eventually } from '../k8s/recorder.js';

const template = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'busybox' }] } };
const statefulSet = (name: string, replicas?: number) => ({
  metadata: { name }, spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: { app: 'db' } }, serviceName: name, template },
});

describe('test API server: apps/v1 StatefulSets', function () {
  let server: TestApiServer;
  let apps: AppsV1Api;

  beforeEach(async function () {
    server = await TestApiServer.start();
    apps = server.kubeConfig().makeApiClient(AppsV1Api);
    server.create('namespaces', { metadata: { name: 'red' } });
  });

  afterEach(async function () {
    await server.stop();
  });

  it('creates, reads, scales and deletes a StatefulSet, defaulting replicas to 1', async function () {
    const created = await apps.createNamespacedStatefulSet({ namespace: 'red', body: statefulSet('db') });
    expect(created.apiVersion).to.equal('apps/v1');
    expect(created.spec?.replicas).to.equal(1);
    const read = await apps.readNamespacedStatefulSet({ namespace: 'red', name: 'db' });
    read.spec!.replicas = 3;
    expect((await apps.replaceNamespacedStatefulSet({ namespace: 'red', name: 'db', body: read })).spec?.replicas).to.equal(3);
    const listed = await apps.listStatefulSetForAllNamespaces();
    expect(listed.items.map((item) => `${item.metadata?.namespace}/${item.metadata?.name}`)).to.deep.equal(['red/db']);
    await apps.deleteNamespacedStatefulSet({ namespace: 'red', name: 'db' });
    expect((await apps.listNamespacedStatefulSet({ namespace: 'red' })).items).to.deep.equal([]);
  });

  it('is discoverable under /apis, and refuses a StatefulSet body sent to the core group', async function () {
    const groups = await (await fetch(`${server.url}/apis`)).json() as { groups: Array<{ name: string }> };
    expect(groups.groups.map((group) => group.name)).to.include('apps');
    const resources = await (await fetch(`${server.url}/apis/apps/v1`)).json() as { resources: Array<{ name: string }> };
    expect(resources.resources.map((r) => r.name)).to.include('statefulsets');
    expect((await fetch(`${server.url}/api/v1/namespaces/red/statefulsets`)).status).to.equal(404);
    const wrong = await fetch(`${server.url}/apis/apps/v1/namespaces/red/statefulsets`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', ...statefulSet('x') }),
    });
    expect(wrong.status).to.equal(400);
  });

  it('serves the list/watch protocol to an informer: adds, scale updates, deletes, and a relist after compaction', async function () {
    server.create('statefulsets', { metadata: { namespace: 'red', ...statefulSet('db', 2).metadata }, spec: statefulSet('db', 2).spec });
    const recorder = new Recorder<KubeStatefulSet>((set) => `${set.namespace}/${set.name}=${set.replicas}`);
    const informer = new Informer(new KubeClient(server.kubeConfig(), clientNode), statefulSets, recorder);
    informer.start();
    try {
      await informer.whenSynced();
      expect(recorder.events).to.deep.equal(['added red/db=2', 'synced 1']);
      const current = server.get('statefulsets', 'db', 'red')!;
      server.update('statefulsets', { ...current, spec: { ...current.spec, replicas: 1 } });
      server.delete('statefulsets', 'db', 'red');
      await eventually(() => expect(recorder.events.slice(2)).to.deep.equal(['updated red/db=1', 'deleted red/db=1']));
      server.compact();
      await server.closeWatches();
      server.create('statefulsets', { metadata: { namespace: 'red', name: 'web' }, spec: statefulSet('web', 1).spec });
      await eventually(() => expect(informer.list().map((set) => set.name)).to.deep.equal(['web']));
    } finally {
      await informer.stop();
    }
  });
});
