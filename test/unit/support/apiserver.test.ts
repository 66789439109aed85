// The test API server driven by the real @kubernetes/client-node informers and watches.
import { expect } from 'chai';
import type { Informer, KubeConfig, KubernetesObject, ObjectCache, V1Namespace, V1Pod } from '@kubernetes/client-node';
import { CoreV1Api, ListWatch, makeInformer, Watch } from '@kubernetes/client-node';
import { TestApiServer } from '../../support/apiserver/index.js';

async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function pod(name: string, namespace: string, options: { nodeName?: string; labels?: Record<string, string> } = {}): object {
  return {
    metadata: { name, namespace, labels: options.labels },
    spec: { nodeName: options.nodeName, containers: [{ name: 'app', image: 'busybox' }] },
  };
}

interface Seen {
  verb: 'add' | 'update' | 'delete';
  name: string;
}

/** An informer that records its callbacks and, like the daemon must, restarts itself after an error. */
class RecordingInformer<T extends KubernetesObject, I extends Informer<T> & ObjectCache<T>> {
  readonly seen: Seen[] = [];
  private paused = false;

  constructor(readonly informer: I) {
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (object) => this.seen.push({ verb, name: object.metadata?.name ?? '' }));
    }
    // client-node 1.4.0 gives up on any error but a 410; restarting is the caller's job.
    informer.on('error', () => setTimeout(() => this.restartUnlessPaused(), 50));
  }

  private restartUnlessPaused(): void {
    if (!this.paused) void this.informer.start();
  }

  names(): string[] {
    return this.informer.list().map((object) => object.metadata?.name ?? '').sort();
  }

  async start(): Promise<void> {
    this.paused = false;
    await this.informer.start();
  }

  async pause(): Promise<void> {
    this.paused = true;
    await this.informer.stop();
    // Let the aborted watch report its AbortError before anything restarts the informer.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('test API server under client-node informers', function () {
  let server: TestApiServer;
  let config: KubeConfig;
  let api: CoreV1Api;
  const informers: { pause(): Promise<void> }[] = [];
  const watches: AbortController[] = [];

  beforeEach(async function () {
    server = await TestApiServer.start({ bookmarkIntervalMs: 100 });
    config = server.kubeConfig();
    api = config.makeApiClient(CoreV1Api);
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    server.create('namespaces', { metadata: { name: 'tenant-b' } });
  });

  afterEach(async function () {
    for (const informer of informers.splice(0)) await informer.pause();
    for (const watch of watches.splice(0)) watch.abort();
    await server.stop();
  });

  function track<T extends KubernetesObject, I extends Informer<T> & ObjectCache<T>>(informer: I): RecordingInformer<T, I> {
    const recording = new RecordingInformer<T, I>(informer);
    informers.push(recording);
    return recording;
  }

  function podInformer(path: string, fieldSelector?: string, labelSelector?: string): RecordingInformer<V1Pod, ListWatch<V1Pod>> {
    const selectors = { ...(fieldSelector ? { fieldSelector } : {}), ...(labelSelector ? { labelSelector } : {}) };
    const list = () =>
      path === '/api/v1/pods'
        ? api.listPodForAllNamespaces(selectors)
        : api.listNamespacedPod({ namespace: path.split('/')[4]!, ...selectors });
    return track(new ListWatch<V1Pod>(path, new Watch(config), list, false, labelSelector, fieldSelector));
  }

  /** Lists since `index` of the request log, and watches with their resourceVersion. */
  function requestsSince(index: number): string[] {
    return server.requests.slice(index).flatMap((request) => {
      if (request.verb === 'list') return [`list ${request.path}`];
      if (request.verb === 'watch') return [`watch ${request.path} rv=${request.query.resourceVersion ?? ''}`];
      return [];
    });
  }

  it('lists namespaces, then reports them added, modified and deleted', async function () {
    const recording = track(makeInformer<V1Namespace>(config, '/api/v1/namespaces', () => api.listNamespace()));
    await recording.start();
    expect(recording.names()).to.deep.equal(['default', 'kube-node-lease', 'kube-public', 'kube-system', 'tenant-a', 'tenant-b']);

    server.create('namespaces', { metadata: { name: 'tenant-c' } });
    const tenantA = server.get('namespaces', 'tenant-a')!;
    server.update('namespaces', { ...tenantA, metadata: { ...tenantA.metadata, labels: { team: 'blue' } } });
    server.delete('namespaces', 'tenant-b');

    await eventually(() => expect(recording.names()).to.include('tenant-c').and.not.include('tenant-b'));
    expect(recording.informer.get('tenant-a')?.metadata?.labels).to.include({ team: 'blue' });
    expect(recording.seen).to.deep.include.members([
      { verb: 'add', name: 'tenant-c' },
      { verb: 'update', name: 'tenant-a' },
      { verb: 'delete', name: 'tenant-b' },
    ]);
  });

  it('follows the pods of one namespace only', async function () {
    server.create('pods', pod('web', 'tenant-a'));
    server.create('pods', pod('db', 'tenant-b'));
    const recording = podInformer('/api/v1/namespaces/tenant-a/pods');
    await recording.start();
    expect(recording.names()).to.deep.equal(['web']);

    server.create('pods', pod('cache', 'tenant-a'));
    server.create('pods', pod('queue', 'tenant-b'));
    server.delete('pods', 'web', 'tenant-a');

    await eventually(() => expect(recording.names()).to.deep.equal(['cache']));
    expect(recording.seen.map(({ name }) => name)).to.not.include.members(['db', 'queue']);
  });

  it('limits pods to one node with a spec.nodeName field selector, following scheduling and moves', async function () {
    server.create('pods', pod('here', 'tenant-a', { nodeName: 'node-1' }));
    server.create('pods', pod('there', 'tenant-a', { nodeName: 'node-2' }));
    server.create('pods', pod('pending', 'tenant-b'));
    const recording = podInformer('/api/v1/pods', 'spec.nodeName=node-1');
    await recording.start();
    expect(recording.names()).to.deep.equal(['here']);

    const pending = server.get('pods', 'pending', 'tenant-b')!;
    server.update('pods', { ...pending, spec: { ...pending.spec, nodeName: 'node-1' } });
    const here = server.get('pods', 'here', 'tenant-a')!;
    server.update('pods', { ...here, spec: { ...here.spec, nodeName: 'node-2' } });

    await eventually(() => expect(recording.names()).to.deep.equal(['pending']));
    expect(recording.seen).to.deep.include.members([
      { verb: 'add', name: 'pending' },
      { verb: 'delete', name: 'here' },
    ]);
    const queried = server.requests.filter((request) => request.resource === 'pods' && request.verb !== 'other');
    expect(queried.map((request) => request.query.fieldSelector)).to.deep.equal(queried.map(() => 'spec.nodeName=node-1'));
  });

  it('selects pods by label equality, inequality, existence and absence, in lists and informers', async function () {
    server.create('pods', pod('blue', 'tenant-a', { labels: { team: 'blue', tier: 'web' } }));
    server.create('pods', pod('red', 'tenant-a', { labels: { team: 'red' } }));
    server.create('pods', pod('plain', 'tenant-a'));
    const names = async (labelSelector: string) =>
      (await api.listNamespacedPod({ namespace: 'tenant-a', labelSelector })).items.map((item) => item.metadata?.name);

    expect(await names('team=blue')).to.deep.equal(['blue']);
    expect(await names('team!=blue')).to.deep.equal(['plain', 'red']);
    expect(await names('team')).to.deep.equal(['blue', 'red']);
    expect(await names('!team')).to.deep.equal(['plain']);
    expect(await names('team in (red,green),!tier')).to.deep.equal(['red']);

    const recording = podInformer('/api/v1/namespaces/tenant-a/pods', undefined, 'team=blue');
    await recording.start();
    const red = server.get('pods', 'red', 'tenant-a')!;
    server.update('pods', { ...red, metadata: { ...red.metadata, labels: { team: 'blue' } } });
    const blue = server.get('pods', 'blue', 'tenant-a')!;
    server.update('pods', { ...blue, metadata: { ...blue.metadata, labels: { team: 'green' } } });
    await eventually(() => expect(recording.names()).to.deep.equal(['red']));
  });

  it('makes an informer resuming from a compacted resourceVersion relist and converge', async function () {
    server.create('pods', pod('stays', 'tenant-a'));
    server.create('pods', pod('goes', 'tenant-a'));
    const recording = podInformer('/api/v1/namespaces/tenant-a/pods');
    await recording.start();
    const resumeFrom = recording.informer.latestResourceVersion();
    await recording.pause();

    server.delete('pods', 'goes', 'tenant-a');
    server.create('pods', pod('arrives', 'tenant-a'));
    server.compact();
    const mark = server.requests.length;
    await recording.start();

    await eventually(() => expect(recording.names()).to.deep.equal(['arrives', 'stays']));
    expect(recording.seen).to.deep.include({ verb: 'delete', name: 'goes' });
    expect(requestsSince(mark)).to.include.ordered.members([
      `watch /api/v1/namespaces/tenant-a/pods rv=${resumeFrom}`,
      'list /api/v1/namespaces/tenant-a/pods',
    ]);
  });

  it('replays only the missed events to an informer resuming inside the history window', async function () {
    server.create('pods', pod('stays', 'tenant-a'));
    server.create('pods', pod('goes', 'tenant-a'));
    const recording = podInformer('/api/v1/namespaces/tenant-a/pods');
    await recording.start();
    await recording.pause();
    server.delete('pods', 'goes', 'tenant-a');
    server.create('pods', pod('arrives', 'tenant-a'));
    const mark = server.requests.length;
    await recording.start();
    await eventually(() => expect(recording.names()).to.deep.equal(['arrives', 'stays']));

    // A server-side watch timeout: the informer reconnects from where it was, again without a list.
    await server.closeWatches();
    await eventually(() => expect(server.activeWatches('pods')).to.equal(1));
    server.create('pods', pod('later', 'tenant-a'));
    await eventually(() => expect(recording.names()).to.deep.equal(['arrives', 'later', 'stays']));
    expect(requestsSince(mark).filter((request) => request.startsWith('list'))).to.deep.equal([]);
  });

  it('makes informers relist after a restart that resets resourceVersions, dropping what was deleted meanwhile', async function () {
    server.create('pods', pod('stays', 'tenant-a'));
    server.create('pods', pod('deleted-while-down', 'tenant-a'));
    const recording = podInformer('/api/v1/namespaces/tenant-a/pods');
    await recording.start();
    const before = recording.informer.latestResourceVersion();
    const stayedAt = server.get('pods', 'stays', 'tenant-a')!.metadata.resourceVersion;
    const mark = server.requests.length;

    await server.restart({
      resetResourceVersions: true,
      whileDown: () => {
        server.delete('pods', 'deleted-while-down', 'tenant-a');
        server.create('pods', pod('created-while-down', 'tenant-a'));
      },
    });

    await eventually(() => expect(recording.names()).to.deep.equal(['created-while-down', 'stays']));
    const restamped = server.get('pods', 'stays', 'tenant-a')!.metadata.resourceVersion;
    expect(restamped).to.not.equal(stayedAt);
    await eventually(() => expect(recording.informer.get('stays', 'tenant-a')?.metadata?.resourceVersion).to.equal(restamped));
    expect(recording.seen).to.deep.include({ verb: 'delete', name: 'deleted-while-down' });
    expect(requestsSince(mark)).to.include.ordered.members([
      `watch /api/v1/namespaces/tenant-a/pods rv=${before}`,
      'list /api/v1/namespaces/tenant-a/pods',
    ]);
  });

  it('lets an informer that was up to date resume after a plain restart without relisting', async function () {
    server.create('pods', pod('web', 'tenant-a'));
    const recording = podInformer('/api/v1/namespaces/tenant-a/pods');
    await recording.start();
    const mark = server.requests.length;

    await server.restart();
    server.create('pods', pod('after-restart', 'tenant-a'));

    await eventually(() => expect(recording.names()).to.deep.equal(['after-restart', 'web']));
    expect(requestsSince(mark).filter((request) => request.startsWith('list'))).to.deep.equal([]);
  });

  it('ends a watch from a resourceVersion older than the history with a 410 Expired ERROR event', async function () {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    let ended: unknown = 'not yet';
    server.compact();
    watches.push(
      await new Watch(config).watch(
        '/api/v1/namespaces',
        { resourceVersion: '1' },
        (type, object: Record<string, unknown>) => events.push({ type, object }),
        (error: unknown) => { ended = error; },
      ),
    );
    await eventually(() => expect(ended).to.equal(null));
    expect(events).to.have.length(1);
    expect(events[0]!.type).to.equal('ERROR');
    expect(events[0]!.object).to.include({ kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' });
    expect(events[0]!.object.message).to.equal(`too old resource version: 1 (${server.resourceVersion})`);
  });

  it('sends bookmarks with the current resourceVersion only to watches that allow them', async function () {
    const bookmarks: string[] = [];
    const other: string[] = [];
    const record = (into: string[]) => (type: string, object: V1Pod) => into.push(`${type} ${object.metadata?.resourceVersion}`);
    const from = server.resourceVersion;
    watches.push(await new Watch(config).watch('/api/v1/pods', { allowWatchBookmarks: true, resourceVersion: from }, record(bookmarks), () => undefined));
    watches.push(await new Watch(config).watch('/api/v1/pods', { resourceVersion: from }, record(other), () => undefined));

    await eventually(() => expect(bookmarks).to.include(`BOOKMARK ${from}`));
    const created = server.create('pods', pod('web', 'tenant-a'));
    await eventually(() => expect(bookmarks).to.include(`BOOKMARK ${created.metadata.resourceVersion}`));
    expect(bookmarks).to.include(`ADDED ${created.metadata.resourceVersion}`);
    expect(other).to.deep.equal([`ADDED ${created.metadata.resourceVersion}`]);
  });

  it('ends a watch after timeoutSeconds', async function () {
    const started = Date.now();
    let ended: unknown = 'not yet';
    watches.push(await new Watch(config).watch('/api/v1/nodes', { timeoutSeconds: 1 }, () => undefined, (error: unknown) => { ended = error; }));
    await eventually(() => expect(ended).to.equal(null), 3000);
    expect(Date.now() - started).to.be.within(900, 2500);
  });

  it('reports a deletion with the last state under a new resourceVersion', async function () {
    const created = server.create('pods', pod('web', 'tenant-a', { labels: { app: 'web' } }));
    const events: V1Pod[] = [];
    const watch = new Watch(config);
    const collect = (type: string, object: V1Pod) => type === 'DELETED' && events.push(object);
    watches.push(await watch.watch('/api/v1/namespaces/tenant-a/pods', { resourceVersion: created.metadata.resourceVersion }, collect, () => undefined));
    server.delete('pods', 'web', 'tenant-a');
    await eventually(() => expect(events).to.have.length(1));
    expect(events[0]!.metadata?.resourceVersion).to.equal(server.resourceVersion);
    expect(Number(server.resourceVersion)).to.be.greaterThan(Number(created.metadata.resourceVersion));
    expect(events[0]!.metadata?.labels).to.deep.equal({ app: 'web' });
    expect(events[0]!.metadata?.uid).to.equal(created.metadata.uid);
  });
});
