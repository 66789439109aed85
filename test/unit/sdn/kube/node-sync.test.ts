// The node agent's view of the API server: services into a sink, this node's pods into a directory.
import * as clientNode from '@kubernetes/client-node';
import { expect } from 'chai';
import { KubeClient, type KubePod, type KubeService } from '../../../../lib/k8s/index.js';
import { NodeSync, type ServiceSink } from '../../../../lib/sdn/kube/node-sync.js';
import { TestApiServer } from '../../../support/apiserver/index.js';
import { eventually, recordingLogger, sleep } from '../../k8s/recorder.js';

/** Records calls as lines: "set ns/name ip proto/port,...", "remove ns/name", "replace ns/name,...". */
class FakeSink implements ServiceSink {
  readonly calls: string[] = [];
  failures = 0;

  async setService(service: KubeService): Promise<void> {
    this.check();
    this.calls.push(`set ${serviceLine(service)}`);
  }

  async removeService(namespace: string, name: string): Promise<void> {
    this.check();
    this.calls.push(`remove ${namespace}/${name}`);
  }

  async replaceServices(all: KubeService[]): Promise<void> {
    this.check();
    this.calls.push(`replace ${all.map((service) => `${service.namespace}/${service.name}`).sort().join(',')}`);
  }

  private check(): void {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('ovs-ofctl: connection refused');
    }
  }
}

function serviceLine(service: KubeService): string {
  return `${service.namespace}/${service.name} ${service.clusterIp} ${service.ports.map((port) => `${port.protocol}/${port.port}`).join(',')}`;
}

function service(name: string, ports: { port: number; protocol?: string }[], clusterIP?: string): object {
  return { metadata: { name, namespace: 'default' }, spec: { clusterIP, ports } };
}

function pod(name: string, nodeName: string, annotations?: Record<string, string>): object {
  return { metadata: { name, namespace: 'default', annotations }, spec: { nodeName, containers: [{ name: 'app', image: 'busybox' }] } };
}

describe('node sync', function () {
  let server: TestApiServer;
  let sink: FakeSink;
  let podLists: string[][];
  const syncs: NodeSync[] = [];

  beforeEach(async function () {
    server = await TestApiServer.start();
    sink = new FakeSink();
    podLists = [];
  });

  afterEach(async function () {
    await Promise.all(syncs.splice(0).map((sync) => sync.stop()));
    await server.stop();
  });

  function startSync(options: { logger?: ReturnType<typeof recordingLogger>['logger']; podWaitMs?: number } = {}): NodeSync {
    const sync = new NodeSync(new KubeClient(server.kubeConfig(), clientNode), {
      nodeName: 'node-1',
      services: sink,
      podsSynced: (pods: KubePod[]) => {
        podLists.push(pods.map((each) => each.name).sort());
      },
      podWaitMs: options.podWaitMs,
      retry: { initialMs: 20, maxMs: 200 },
      logger: options.logger,
    });
    syncs.push(sync);
    sync.start();
    return sync;
  }

  it('replaces all services after the first list, then sets and removes them one at a time, ignoring headless ones', async function () {
    const web = server.create('services', service('web', [{ port: 80 }]));
    server.create('services', service('headless', [{ port: 80 }], 'None'));
    const sync = startSync();
    await sync.whenSynced();
    await eventually(() => expect(sink.calls).to.deep.equal(['replace default/kubernetes,default/web']));

    const api = server.create('services', service('api', [{ port: 8080 }]));
    const apiIp = String(api.spec?.clusterIP);
    server.create('services', service('another-headless', [{ port: 53, protocol: 'UDP' }], 'None'));
    server.update('services', service('api', [{ port: 8443, protocol: 'TCP' }, { port: 8443, protocol: 'UDP' }]));
    server.delete('services', 'headless', 'default');
    server.delete('services', 'web', 'default');
    await eventually(() => expect(sink.calls.slice(1)).to.deep.equal([
      `set default/api ${apiIp} tcp/8080`,
      `set default/api ${apiIp} tcp/8443,udp/8443`,
      'remove default/web',
    ]));
    expect(web).to.have.nested.property('spec.clusterIP').that.is.a('string');
  });

  it('removes services deleted while the API server was away, through the relist and the replace after it', async function () {
    server.create('services', service('web', [{ port: 80 }]));
    const sync = startSync();
    await sync.whenSynced();
    await eventually(() => expect(sink.calls).to.have.length(1));
    await server.restart({
      resetResourceVersions: true,
      whileDown: () => {
        server.delete('services', 'web', 'default');
      },
    });
    await eventually(() => expect(sink.calls.slice(1)).to.deep.equal(['remove default/web', 'replace default/kubernetes']));
  });

  it('repairs a failed sink call with a full replace, logging the failure and the recovery once', async function () {
    const { logger, lines } = recordingLogger();
    const sync = startSync({ logger });
    await sync.whenSynced();
    await eventually(() => expect(sink.calls).to.have.length(1));
    sink.failures = 3;
    server.create('services', service('web', [{ port: 80 }]));
    await eventually(() => expect(sink.calls.slice(1)).to.deep.equal(['replace default/kubernetes,default/web']));
    const sinkLines = lines.filter((line) => line.component === 'service-sync').map((line) => `${line.level} ${line.message}`);
    expect(sinkLines).to.deep.equal(['warn service sink failed; retrying with a full replace', 'info service sink recovered']);
  });

  it('knows the pods of its own node only, and reports them after every list', async function () {
    server.create('nodes', { metadata: { name: 'node-1' } });
    const mine = server.create('pods', pod('mine', 'node-1', { 'k8s-ovs/tenant': 'a' }));
    server.create('pods', pod('theirs', 'node-2'));
    const sync = startSync();
    await sync.whenSynced();
    expect(sync.pods.has('default', 'mine')).to.equal(true);
    expect(sync.pods.has('default', 'theirs')).to.equal(false);
    expect([...sync.pods.liveUids()]).to.deep.equal([mine.metadata.uid]);
    expect(await sync.pods.annotations('default', 'mine')).to.deep.equal({ 'k8s-ovs/tenant': 'a' });
    await eventually(() => expect(podLists).to.deep.equal([['mine']]));

    await server.restart({
      resetResourceVersions: true,
      whileDown: () => {
        server.delete('pods', 'mine', 'default');
        server.create('pods', pod('new', 'node-1'));
      },
    });
    await eventually(() => expect(podLists).to.deep.equal([['mine'], ['new']]));
    expect(sync.pods.has('default', 'mine')).to.equal(false);
  });

  // A wrong Node name lists no pods however many run here: reclaiming against that list would remove them all.
  it('reports no pod list while no Node has its name, says so loudly, and reports once the Node appears', async function () {
    server.create('pods', pod('running', 'node-1'));
    const { logger, lines } = recordingLogger();
    const sync = startSync({ logger });
    await sync.whenSynced();
    expect(sync.nodeKnown).to.equal(false);
    expect(sync.pods.has('default', 'running')).to.equal(true);
    await sleep(300);
    expect(podLists).to.deep.equal([]);
    const errors = lines.filter((line) => line.level === 'error').map((line) => line.message);
    expect(errors).to.deep.equal(['no Kubernetes Node named "node-1": this node\'s pods are never reclaimed until there is']);
    server.create('nodes', { metadata: { name: 'node-1' } });
    await eventually(() => expect(podLists).to.deep.equal([['running']]));
    expect(sync.nodeKnown).to.equal(true);
  });

  it('finds a pod of its node by the address the kubelet reported', async function () {
    server.create('pods', { ...pod('old', 'node-1'), status: { podIP: '10.128.0.2' } });
    const sync = startSync();
    await sync.whenSynced();
    expect(sync.pods.byIp('10.128.0.2')).to.deep.include({ namespace: 'default', name: 'old' });
    expect(sync.pods.byIp('10.128.0.3')).to.equal(undefined);
  });

  it('waits briefly for a pod the watch has not delivered yet', async function () {
    const sync = startSync({ podWaitMs: 1500 });
    await sync.whenSynced();
    const started = Date.now();
    const late = sync.pods.annotations('default', 'late');
    await sleep(200);
    server.create('pods', pod('late', 'node-1', { note: 'arrived' }));
    expect(await late).to.deep.equal({ note: 'arrived' });
    expect(Date.now() - started).to.be.lessThan(1500);
  });

  it('gives up on a pod that does not appear within the wait', async function () {
    const sync = startSync({ podWaitMs: 300 });
    await sync.whenSynced();
    const started = Date.now();
    server.create('pods', pod('elsewhere', 'node-2'));
    expect(await sync.pods.pod('default', 'elsewhere')).to.equal(undefined);
    expect(Date.now() - started).to.be.within(250, 1000);
  });
});
