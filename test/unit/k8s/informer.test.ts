// The resilient informer, driven through the real @kubernetes/client-node against the test API server.
import * as clientNode from '@kubernetes/client-node';
import { expect } from 'chai';
import {
  Informer, InformerStoppedError, KubeClient, type KubeNamespace, type KubePod, type KubeResource,
  namespaces, pods,
} from '../../../lib/k8s/index.js';
import type { Logger } from '../../../lib/log.js';
import { TestApiServer } from '../../support/apiserver/index.js';
import { eventually, recordingLogger, Recorder, sleep } from './recorder.js';

const systemNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

function pod(name: string, namespace: string, nodeName: string): object {
  return { metadata: { name, namespace }, spec: { nodeName, containers: [{ name: 'app', image: 'busybox' }] } };
}

describe('k8s informer', function () {
  const servers: TestApiServer[] = [];
  const informers: Informer<unknown>[] = [];
  let server: TestApiServer;

  beforeEach(async function () {
    server = await TestApiServer.start();
    servers.push(server);
  });

  afterEach(async function () {
    await Promise.all(informers.splice(0).map((informer) => informer.stop()));
    await Promise.all(servers.splice(0).map((each) => each.stop()));
  });

  function inform<T>(resource: KubeResource<T>, key: (object: T) => string,
    options: { fieldSelector?: string; labelSelector?: string; logger?: Logger } = {}) {
    const recorder = new Recorder<T>(key);
    const informer = new Informer(new KubeClient(server.kubeConfig(), clientNode), resource, recorder, options);
    informers.push(informer as Informer<unknown>);
    informer.start();
    return { informer, recorder };
  }

  const byName = (namespace: KubeNamespace) => namespace.name;
  const byPod = (object: KubePod) => `${object.namespace}/${object.name}`;

  it('reports the first list as adds then "synced", and later adds, updates and deletes', async function () {
    server.create('namespaces', { metadata: { name: 'tenant-a', labels: { team: 'a' } } });
    const { informer, recorder } = inform(namespaces, byName);
    await informer.whenSynced();
    expect(recorder.events.slice(0, -1)).to.have.members([...systemNamespaces, 'tenant-a'].map((name) => `added ${name}`));
    expect(recorder.events.at(-1)).to.equal('synced 5');
    expect(informer.get('tenant-a')?.labels).to.include({ team: 'a' });

    const mark = recorder.events.length;
    server.create('namespaces', { metadata: { name: 'tenant-b' } });
    server.update('namespaces', { metadata: { name: 'tenant-a', labels: { team: 'b' } } });
    server.delete('namespaces', 'tenant-b');
    await eventually(() => expect(recorder.since(mark)).to.deep.equal(['added tenant-b', 'updated tenant-a', 'deleted tenant-b']));
    expect(recorder.updates[0]?.object.labels).to.include({ team: 'b' });
    expect(recorder.updates[0]?.previous.labels).to.include({ team: 'a' });
    expect(informer.list().map(byName)).to.have.members([...systemNamespaces, 'tenant-a']);
  });

  it('does not report a change that leaves the view as it was', async function () {
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    const { informer, recorder } = inform(namespaces, byName);
    await informer.whenSynced();
    const mark = recorder.events.length;
    server.update('namespaces', { metadata: { name: 'tenant-a', finalizers: ['not-in-the-view'] } });
    server.update('namespaces', { metadata: { name: 'tenant-a', finalizers: ['not-in-the-view'], labels: { x: 'y' } } });
    await eventually(() => expect(recorder.since(mark)).to.deep.equal(['updated tenant-a']));
  });

  it('sees only the pods its field selector selects', async function () {
    server.create('pods', pod('here', 'default', 'node-1'));
    server.create('pods', pod('elsewhere', 'default', 'node-2'));
    const { informer, recorder } = inform(pods, byPod, { fieldSelector: 'spec.nodeName=node-1' });
    await informer.whenSynced();
    server.create('pods', pod('also-elsewhere', 'default', 'node-2'));
    server.create('pods', pod('also-here', 'default', 'node-1'));
    await eventually(() => expect(recorder.events).to.include('added default/also-here'));
    expect(recorder.events).to.deep.equal(['added default/here', 'synced 1', 'added default/also-here']);
    expect(server.requests.filter((request) => request.resource === 'pods' && request.verb !== 'create')
      .map((request) => request.query.fieldSelector)).to.deep.equal(['spec.nodeName=node-1', 'spec.nodeName=node-1']);
  });

  it('sees only the objects its label selector selects, and loses one whose label stops matching', async function () {
    server.create('namespaces', { metadata: { name: 'tenant-a', labels: { sdn: 'on' } } });
    const { informer, recorder } = inform(namespaces, byName, { labelSelector: 'sdn=on' });
    await informer.whenSynced();
    server.create('namespaces', { metadata: { name: 'tenant-b', labels: { sdn: 'off' } } });
    server.update('namespaces', { metadata: { name: 'tenant-a', labels: { sdn: 'off' } } });
    await eventually(() => expect(recorder.events).to.deep.equal(['added tenant-a', 'synced 1', 'deleted tenant-a']));
  });

  it('relists after a 410 Expired and keeps watching', async function () {
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    const { informer, recorder } = inform(namespaces, byName);
    await informer.whenSynced();
    // Another resource moves the resourceVersion on; compaction makes the informer's own too old.
    server.create('pods', pod('p', 'default', 'node-1'));
    server.compact();
    const mark = recorder.events.length;
    await server.closeWatches();
    await eventually(() => expect(recorder.syncs).to.equal(2));
    expect(recorder.since(mark)).to.deep.equal(['synced 5']);
    expect(server.requests.filter((request) => request.resource === 'namespaces' && request.verb === 'list')).to.have.length(2);
    server.create('namespaces', { metadata: { name: 'tenant-b' } });
    await eventually(() => expect(recorder.since(mark)).to.deep.equal(['synced 5', 'added tenant-b']));
  });

  it('reconnects after the API server is down for a second, logging the loss and the restoration once', async function () {
    const { logger, lines } = recordingLogger();
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    const { informer, recorder } = inform(namespaces, byName, { logger });
    await informer.whenSynced();
    await eventually(() => expect(server.activeWatches('namespaces')).to.equal(1));
    const mark = recorder.events.length;
    await server.restart({
      whileDown: async () => {
        await sleep(1000);
        server.delete('namespaces', 'tenant-a');
        server.create('namespaces', { metadata: { name: 'tenant-b' } });
      },
    });
    await eventually(() => expect(recorder.since(mark)).to.deep.equal(['deleted tenant-a', 'added tenant-b', 'synced 5']));
    await eventually(() => expect(lines.map((line) => line.message)).to.include('API server watch restored'));
    expect(lines.map((line) => `${line.level} ${line.message}`)).to.deep.equal([
      'info watching the API server',
      'warn API server watch lost; reconnecting',
      'info API server watch restored',
    ]);
    expect(lines.every((line) => line.resource === 'namespaces')).to.equal(true);
  });

  it('converges after a restart with new resourceVersions: deletes, adds and re-created objects', async function () {
    server.create('namespaces', { metadata: { name: 'kept' } });
    server.create('namespaces', { metadata: { name: 'removed' } });
    server.create('namespaces', { metadata: { name: 'recreated', labels: { generation: '1' } } });
    const { informer, recorder } = inform(namespaces, byName);
    await informer.whenSynced();
    const mark = recorder.events.length;
    await server.restart({
      resetResourceVersions: true,
      whileDown: () => {
        server.delete('namespaces', 'removed');
        server.delete('namespaces', 'recreated');
        server.create('namespaces', { metadata: { name: 'recreated', labels: { generation: '1' } } });
        server.create('namespaces', { metadata: { name: 'added' } });
      },
    });
    await eventually(() => expect(recorder.since(mark)).to.include('synced 7'));
    // "kept" only got a new resourceVersion: no event. "recreated" has a new UID: deleted, then added.
    expect(recorder.since(mark)).to.have.members(['deleted removed', 'deleted recreated', 'added recreated', 'added added', 'synced 7']);
    expect(recorder.since(mark).indexOf('deleted recreated')).to.be.lessThan(recorder.since(mark).indexOf('added recreated'));
  });

  it('converges on an API server that comes back with fresh state and smaller resourceVersions', async function () {
    const port = Number(new URL(server.url).port);
    for (const name of ['a', 'b', 'c', 'd', 'e']) server.create('namespaces', { metadata: { name } });
    const { informer, recorder } = inform(namespaces, byName);
    await informer.whenSynced();
    await server.stop();
    const fresh = await TestApiServer.start({ port });
    servers.push(fresh);
    fresh.create('namespaces', { metadata: { name: 'z' } });
    // Resuming from a resourceVersion the new server has not reached fails with a 504 ERROR event.
    await eventually(() => expect(informer.list().map(byName)).to.have.members([...systemNamespaces, 'z']));
    expect(recorder.syncs).to.equal(2);
  });

  it('stops watching, and fails a pending whenSynced, when stopped', async function () {
    await server.stop();
    const { informer } = inform(namespaces, byName);
    const synced = informer.whenSynced();
    await sleep(150);
    await informer.stop();
    await expectRejection(synced, InformerStoppedError);
  });

  it('leaves no watch open after stop', async function () {
    const { informer } = inform(namespaces, byName);
    await informer.whenSynced();
    await eventually(() => expect(server.activeWatches('namespaces')).to.equal(1));
    await informer.stop();
    await eventually(() => expect(server.activeWatches('namespaces')).to.equal(0));
    const before = server.requests.length;
    await sleep(300);
    expect(server.requests.length).to.equal(before);
  });
});

async function expectRejection(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    return;
  }
  expect.fail('expected a rejection');
}
