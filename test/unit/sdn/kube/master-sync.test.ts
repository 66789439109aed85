// The master fed from the API server: namespaces, nodes, leadership resync, retries, against a fake master.
import * as clientNode from '@kubernetes/client-node';
import { expect } from 'chai';
import { KubeClient } from '../../../../lib/k8s/index.js';
import { NotLeaderError } from '../../../../lib/sdn/master/master.js';
import { type MasterInputs, MasterSync } from '../../../../lib/sdn/kube/master-sync.js';
import { TestApiServer } from '../../../support/apiserver/index.js';
import { eventually, recordingLogger, sleep } from '../../k8s/recorder.js';

const systemNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** Records every call; throws NotLeaderError while not leading, and scripted failures on demand. */
class FakeMaster implements MasterInputs {
  leading = false;
  /** Successful calls, in order, as "ensureNamespace tenant-a". */
  readonly calls: string[] = [];
  /** Every attempt, failed ones included. */
  readonly attempts: string[] = [];
  /** Call → how many more times it fails with this error. */
  readonly failures = new Map<string, { times: number; error: () => Error }>();
  private readonly listeners = new Set<(leading: boolean) => void>();

  onLeadershipChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lead(): void {
    this.leading = true;
    for (const listener of this.listeners) listener(true);
  }

  depose(): void {
    this.leading = false;
    for (const listener of this.listeners) listener(false);
  }

  fail(call: string, times: number, error: () => Error = () => new Error('etcd unavailable')): void {
    this.failures.set(call, { times, error });
  }

  async whenLoaded(): Promise<void> {
    if (!this.leading) throw new NotLeaderError('not leading');
  }

  ensureNodeSubnet(host: string, hostIp: string): Promise<unknown> {
    return this.call(`ensureNodeSubnet ${host} ${hostIp}`);
  }

  releaseNodeSubnet(hostIp: string): Promise<void> {
    return this.call(`releaseNodeSubnet ${hostIp}`);
  }

  ensureNamespace(namespace: string): Promise<unknown> {
    return this.call(`ensureNamespace ${namespace}`);
  }

  releaseNamespace(namespace: string): Promise<void> {
    return this.call(`releaseNamespace ${namespace}`);
  }

  private async call(call: string): Promise<void> {
    await sleep(1);
    this.attempts.push(call);
    if (!this.leading) throw new NotLeaderError('not leading');
    const failure = this.failures.get(call);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      throw failure.error();
    }
    this.calls.push(call);
  }
}

function node(name: string, internalIp?: string): object {
  const addresses = [{ type: 'Hostname', address: name }];
  if (internalIp) addresses.push({ type: 'InternalIP', address: internalIp });
  return { metadata: { name }, status: { addresses } };
}

describe('master sync', function () {
  let server: TestApiServer;
  let master: FakeMaster;
  let netNamespaces: string[];
  const syncs: MasterSync[] = [];

  beforeEach(async function () {
    server = await TestApiServer.start();
    master = new FakeMaster();
    netNamespaces = [];
  });

  afterEach(async function () {
    await Promise.all(syncs.splice(0).map((sync) => sync.stop()));
    await server.stop();
  });

  function startSync(options: { logger?: ReturnType<typeof recordingLogger>['logger'] } = {}): MasterSync {
    const sync = new MasterSync(new KubeClient(server.kubeConfig(), clientNode), master, {
      listNetNamespaces: async () => [...netNamespaces],
      retry: { initialMs: 20, maxMs: 200 },
      logger: options.logger,
    });
    syncs.push(sync);
    sync.start();
    return sync;
  }

  it('gives every namespace a NetNamespace and releases it when the namespace is deleted', async function () {
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    master.leading = true;
    startSync();
    await eventually(() => expect(master.calls).to.have.members([...systemNamespaces, 'tenant-a'].map((ns) => `ensureNamespace ${ns}`)));
    server.create('namespaces', { metadata: { name: 'tenant-b' } });
    server.delete('namespaces', 'tenant-a');
    await eventually(() => expect(master.calls).to.include.members(['ensureNamespace tenant-b', 'releaseNamespace tenant-a']));
  });

  it('gives a node a subnet once it has an InternalIP, moves it when the IP changes, releases it on delete', async function () {
    master.leading = true;
    const sync = startSync();
    await sync.whenSynced();
    server.create('nodes', node('node-1'));
    await sleep(200);
    expect(master.calls.filter((call) => call.includes('Subnet'))).to.deep.equal([]);
    server.update('nodes', node('node-1', '192.168.1.11'));
    await eventually(() => expect(master.calls).to.include('ensureNodeSubnet node-1 192.168.1.11'));
    server.update('nodes', node('node-1', '192.168.1.12'));
    await eventually(() => expect(master.calls).to.include.members([
      'releaseNodeSubnet 192.168.1.11', 'ensureNodeSubnet node-1 192.168.1.12',
    ]));
    server.delete('nodes', 'node-1');
    await eventually(() => expect(master.calls.filter((call) => call.includes('Subnet'))).to.have.members([
      'ensureNodeSubnet node-1 192.168.1.11', 'releaseNodeSubnet 192.168.1.11',
      'ensureNodeSubnet node-1 192.168.1.12', 'releaseNodeSubnet 192.168.1.12',
    ]));
  });

  it('on election, ensures everything, releases NetNamespaces of deleted namespaces and keeps non-Node hosts', async function () {
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    server.create('nodes', node('node-1', '192.168.1.11'));
    server.create('nodes', node('node-2', '192.168.1.12'));
    // NetNamespaces in etcd: one of a namespace deleted while no master ran. HostSubnets of hosts
    // registered by hand (no Node) are invisible here and must never be released.
    netNamespaces = [...systemNamespaces, 'tenant-a', 'deleted-while-away'];
    const sync = startSync();
    await sync.whenSynced();
    server.delete('nodes', 'node-2');
    server.create('namespaces', { metadata: { name: 'tenant-b' } });
    await sleep(200);
    expect(master.attempts).to.deep.equal([]);

    master.lead();
    await eventually(() => expect(master.calls).to.have.members([
      ...[...systemNamespaces, 'tenant-a', 'tenant-b'].map((ns) => `ensureNamespace ${ns}`),
      'releaseNamespace deleted-while-away',
      'ensureNodeSubnet node-1 192.168.1.11',
      // Deleted while no one led: still released, because a Node event said so.
      'releaseNodeSubnet 192.168.1.12',
    ]));
    await sleep(200);
    expect(master.calls.filter((call) => call.startsWith('releaseNodeSubnet'))).to.deep.equal(['releaseNodeSubnet 192.168.1.12']);
  });

  it('drops calls refused with NotLeaderError and resyncs when leadership returns', async function () {
    master.leading = true;
    const sync = startSync();
    await sync.whenSynced();
    await eventually(() => expect(master.calls).to.have.length(systemNamespaces.length));
    master.fail('ensureNamespace tenant-a', 1, () => new NotLeaderError('lease lost'));
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    await eventually(() => expect(master.attempts).to.include('ensureNamespace tenant-a'));
    await sleep(300);
    expect(master.attempts.filter((call) => call === 'ensureNamespace tenant-a')).to.have.length(1);

    master.depose();
    server.create('namespaces', { metadata: { name: 'tenant-b' } });
    await sleep(200);
    expect(master.attempts).to.not.include('ensureNamespace tenant-b');
    master.lead();
    await eventually(() => expect(master.calls).to.include.members(['ensureNamespace tenant-a', 'ensureNamespace tenant-b']));
  });

  it('retries other failures with backoff, logging when calls start failing and when they recover', async function () {
    const { logger, lines } = recordingLogger();
    master.leading = true;
    master.fail('ensureNodeSubnet node-1 192.168.1.11', 3);
    master.fail('ensureNamespace tenant-a', 3);
    server.create('nodes', node('node-1', '192.168.1.11'));
    server.create('namespaces', { metadata: { name: 'tenant-a' } });
    startSync({ logger });
    await eventually(() => expect(master.calls).to.include.members(['ensureNodeSubnet node-1 192.168.1.11', 'ensureNamespace tenant-a']));
    // One attempt from the resync, three failures retried, then success.
    expect(master.attempts.filter((call) => call === 'ensureNamespace tenant-a')).to.have.length(4);
    await eventually(() => expect(lines.map((line) => line.message)).to.include('master calls succeed again'));
    const messages = lines.filter((line) => line.level === 'warn' || /master calls/.test(line.message))
      .map((line) => `${line.level} ${line.message}`);
    expect(messages).to.deep.equal(['warn master calls failing; retrying', 'info master calls succeed again']);
  });
});
