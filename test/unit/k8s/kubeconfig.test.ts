// Finding the API server: --kubeconfig, KUBECONFIG, the in-cluster service account, KUBERNETES_MASTER.
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfigError, loadKubeConfig, type KubeClient } from '../../../lib/k8s/index.js';
import { TestApiServer } from '../../support/apiserver/index.js';

const variables = ['KUBECONFIG', 'KUBERNETES_MASTER', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const;

async function namespaceNames(client: KubeClient): Promise<string[]> {
  const list = await client.core.listNamespace();
  return list.items.map((item) => item.metadata?.name ?? '');
}

describe('k8s kubeconfig loading', function () {
  let server: TestApiServer;
  let dir: string;
  let emptyRoot: string;
  const saved = new Map<string, string | undefined>();

  before(async function () {
    server = await TestApiServer.start();
    dir = await mkdtemp(join(tmpdir(), 'k8s-ovs-kubeconfig-'));
    emptyRoot = join(dir, 'root');
    await mkdir(emptyRoot);
  });

  after(async function () {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(function () {
    for (const name of variables) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
  });

  afterEach(function () {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('reads the --kubeconfig file and talks to its server', async function () {
    const path = join(dir, 'flag.kubeconfig');
    await server.writeKubeconfig(path);
    process.env.KUBECONFIG = join(dir, 'not-there');
    const client = await loadKubeConfig({ kubeconfig: path, fsRoot: emptyRoot });
    expect(client.source).to.equal('--kubeconfig');
    expect(client.server).to.equal(server.url);
    expect(await namespaceNames(client)).to.include('kube-system');
  });

  it('reads $KUBECONFIG when no flag is given', async function () {
    const path = join(dir, 'env.kubeconfig');
    await server.writeKubeconfig(path);
    process.env.KUBECONFIG = path;
    process.env.KUBERNETES_MASTER = 'http://127.0.0.1:1';
    const client = await loadKubeConfig({ fsRoot: emptyRoot });
    expect(client.source).to.equal('KUBECONFIG');
    expect(await namespaceNames(client)).to.include('default');
  });

  it('accepts a plain-HTTP server in a kubeconfig that does not skip TLS verification', async function () {
    const path = join(dir, 'insecure.kubeconfig');
    await writeFile(path, [
      'apiVersion: v1', 'kind: Config', 'current-context: local',
      'clusters:', `- name: local`, `  cluster: {server: "${server.url}"}`,
      'users:', '- name: nobody', '  user: {}',
      'contexts:', '- name: local', '  context: {cluster: local, user: nobody}', '',
    ].join('\n'));
    const client = await loadKubeConfig({ kubeconfig: path });
    expect(await namespaceNames(client)).to.include('default');
  });

  it('uses the service account inside a pod', async function () {
    const root = join(dir, 'pod-root');
    const accountDir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(accountDir, { recursive: true });
    await writeFile(join(accountDir, 'token'), 'secret-token');
    await writeFile(join(accountDir, 'ca.crt'), '');
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    process.env.KUBERNETES_MASTER = server.url;
    const client = await loadKubeConfig({ fsRoot: root });
    expect(client.source).to.equal('in-cluster');
    expect(client.server).to.equal('https://10.96.0.1:443');
  });

  it('falls back to $KUBERNETES_MASTER, a URL without credentials', async function () {
    process.env.KUBERNETES_MASTER = server.url;
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    const client = await loadKubeConfig({ fsRoot: emptyRoot });
    expect(client.source).to.equal('KUBERNETES_MASTER');
    expect(client.server).to.equal(server.url);
    expect(await namespaceNames(client)).to.include('kube-public');
  });

  const rejection = async (loading: Promise<unknown>): Promise<Error> => {
    const error = await loading.then(() => undefined, (e: unknown) => e as Error);
    expect(error, 'loadKubeConfig should have failed').to.be.instanceOf(KubeConfigError);
    return error!;
  };

  it('names every source it tried when none is configured', async function () {
    expect((await rejection(loadKubeConfig({ fsRoot: emptyRoot }))).message).to.match(
      /--kubeconfig \(not given\), KUBECONFIG \(unset\), the in-cluster service account \(KUBERNETES_SERVICE_HOST\/PORT unset\), KUBERNETES_MASTER \(unset\)/);
  });

  it('fails on a configured source that is broken instead of trying the next', async function () {
    process.env.KUBERNETES_MASTER = server.url;
    const missing = join(dir, 'missing.kubeconfig');
    expect((await rejection(loadKubeConfig({ kubeconfig: missing }))).message).to.include(`--kubeconfig: cannot load kubeconfig ${missing}`);
    process.env.KUBECONFIG = missing;
    expect((await rejection(loadKubeConfig({}))).message).to.include(`KUBECONFIG: cannot load kubeconfig ${missing}`);
    delete process.env.KUBECONFIG;
    process.env.KUBERNETES_MASTER = 'ftp://apiserver:8080';
    expect((await rejection(loadKubeConfig({ fsRoot: emptyRoot }))).message).to.include('KUBERNETES_MASTER: "ftp://apiserver:8080" is not an http:// or https:// URL');
  });

  it('reads the original k8s-ovs sysconfig\'s bare KUBERNETES_MASTER=host:port as plain HTTP', async function () {
    process.env.KUBERNETES_MASTER = '127.0.0.1:11080';
    expect((await loadKubeConfig({ fsRoot: emptyRoot })).server).to.equal('http://127.0.0.1:11080');
  });
});
