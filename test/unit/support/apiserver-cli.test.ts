// The test API server as a separate process: its CLI, its kubeconfig, HTTP seeding, signals and kubectl.
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

const mainScript = fileURLToPath(new URL('../../support/apiserver/main.js', import.meta.url));
const run = promisify(execFile);

interface Announcement {
  url: string;
  kubeconfig: string | null;
  pid: number;
}

async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function kubectlAvailable(): Promise<boolean> {
  try {
    await run('kubectl', ['version', '--client']);
    return true;
  } catch {
    return false;
  }
}

describe('test API server CLI', function () {
  let directory: string;
  let child: ChildProcess;
  let announced: Announcement;

  beforeEach(async function () {
    directory = await mkdtemp(join(tmpdir(), 'apiserver-cli-'));
    child = spawn(process.execPath, [mainScript, '--host', '127.0.0.1', '--kubeconfig', join(directory, 'kubeconfig')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    announced = JSON.parse(line) as Announcement;
  });

  afterEach(async function () {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  });

  it('announces its URL and pid as one JSON line and writes a kubeconfig client-node loads', async function () {
    expect(announced.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(announced.pid).to.equal(child.pid);
    expect(announced.kubeconfig).to.equal(join(directory, 'kubeconfig'));
    const config = new KubeConfig();
    config.loadFromFile(announced.kubeconfig!);
    const namespaces = await config.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((item) => item.metadata?.name)).to.include('default');
  });

  it('takes objects over HTTP POST and, on SIGHUP, restarts with every resourceVersion reset', async function () {
    const created = await fetch(`${announced.url}/api/v1/nodes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'node-1' } }),
    });
    expect(created.status).to.equal(201);
    const before = ((await created.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

    child.kill('SIGHUP');
    await eventually(async () => {
      const node = (await (await fetch(`${announced.url}/api/v1/nodes/node-1`)).json()) as { metadata: { resourceVersion: string } };
      expect(Number(node.metadata.resourceVersion)).to.be.greaterThan(Number(before));
    });
    const watch = await fetch(`${announced.url}/api/v1/nodes?watch=true&resourceVersion=${before}`);
    expect(JSON.parse(await watch.text())).to.deep.include({ type: 'ERROR' }).and.nested.include({ 'object.code': 410 });
  });

  it('exits cleanly on SIGTERM', async function () {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(await exited).to.deep.equal([0, null]);
  });

  it('can be driven by kubectl', async function () {
    if (!(await kubectlAvailable())) this.skip();
    const kubectl = (...args: string[]) =>
      run('kubectl', ['--kubeconfig', announced.kubeconfig!, '--cache-dir', join(directory, 'cache'), ...args]);
    // `kubectl create namespace` speaks protobuf, which this server refuses; manifests go as JSON.
    const manifest = join(directory, 'namespace.json');
    await writeFile(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a' } }));
    await kubectl('create', '--validate=false', '-f', manifest);
    await kubectl('label', 'namespace', 'tenant-a', 'team=blue');
    const { stdout } = await kubectl('get', 'namespaces', '-l', 'team=blue', '-o', 'name');
    expect(stdout.trim()).to.equal('namespace/tenant-a');
    await kubectl('delete', 'namespace', 'tenant-a');
    const after = await kubectl('get', 'namespaces', '-o', 'name');
    expect(after.stdout).to.not.contain('tenant-a');
  });
});
