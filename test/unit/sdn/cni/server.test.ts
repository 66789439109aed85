// The CNI server's socket handling and operation ordering, driven through the real plugin process.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CniServer, CniSocketError } from '../../../../lib/sdn/cni/server.js';
import { FakeBackend, runPlugin, type BackendCall } from '../../../support/cni.js';

const overlaps = (a: BackendCall, b: BackendCall): boolean => a.start < (b.end ?? Infinity) && b.start < (a.end ?? Infinity);

describe('CNI server', function () {
  let base: string;
  const servers: CniServer[] = [];

  async function startServer(socketPath: string, backend = new FakeBackend()): Promise<CniServer> {
    const server = new CniServer({ socketPath, backend });
    await server.start();
    servers.push(server);
    return server;
  }

  function env(command: string, containerId: string): Record<string, string> {
    return {
      CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: `/run/netns/${containerId}`, CNI_IFNAME: 'eth0',
      CNI_ARGS: 'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=pod',
    };
  }

  const config = (socketPath: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ cniVersion: '1.1.0', name: 'k8s-ovs', type: 'k8s-ovs', daemonSocket: socketPath, ...extra });

  before(async function () {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-cni-server-'));
  });

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  after(async function () {
    await fs.rm(base, { recursive: true, force: true });
  });

  describe('socket', function () {
    it('creates its directory 0700 and the socket 0600, and removes the socket on stop', async function () {
      const socketPath = path.join(base, 'modes', 'run', 'cni.sock');
      const server = await startServer(socketPath);
      expect((await fs.stat(path.dirname(socketPath))).mode & 0o777).to.equal(0o700);
      const stat = await fs.lstat(socketPath);
      expect(stat.isSocket()).to.equal(true);
      expect(stat.mode & 0o777).to.equal(0o600);
      await server.stop();
      await fs.access(socketPath).then(() => expect.fail('socket left behind'), () => undefined);
    });

    it('replaces a stale socket left by a dead daemon', async function () {
      const dir = path.join(base, 'stale');
      await fs.mkdir(dir, { mode: 0o700 });
      const socketPath = path.join(dir, 'cni.sock');
      // A socket file nobody listens on: bind, then close the handle without letting Node unlink it.
      const stale = net.createServer().listen(socketPath);
      await new Promise((resolve) => stale.once('listening', resolve));
      await fs.link(socketPath, `${socketPath}.keep`);
      await new Promise((resolve) => stale.close(resolve));
      await fs.rename(`${socketPath}.keep`, socketPath);
      expect((await fs.lstat(socketPath)).isSocket()).to.equal(true);
      await startServer(socketPath);
      const run = await runPlugin({ CNI_COMMAND: 'STATUS' }, config(socketPath));
      expect(run.exitCode, run.stdout).to.equal(0);
    });

    it('refuses to take over the socket of a daemon that is running', async function () {
      const socketPath = path.join(base, 'live', 'cni.sock');
      await startServer(socketPath);
      const second = new CniServer({ socketPath, backend: new FakeBackend() });
      await second.start().then(() => expect.fail('second server started'), (err: Error) => {
        expect(err).to.be.instanceOf(CniSocketError);
        expect(err.message).to.match(/in use by another running daemon/);
      });
    });

    it('closes a directory others may only read (a package\'s or a kubelet\'s hostPath) and makes the socket 0600 in it', async function () {
      const readable = path.join(base, 'readable');
      await fs.mkdir(readable, { mode: 0o755 });
      await fs.chmod(readable, 0o755);
      const socketPath = path.join(readable, 'cni.sock');
      await startServer(socketPath);
      expect((await fs.stat(readable)).mode & 0o777).to.equal(0o700);
      expect((await fs.lstat(socketPath)).mode & 0o777).to.equal(0o600);
    });

    it('refuses a directory group or others may write in, saying why and changing nothing, and a path that is not a socket', async function () {
      for (const [mode, who] of [[0o775, 'group'], [0o757, 'others'], [0o1777, 'group and others']] as const) {
        const open = path.join(base, `open-${mode.toString(8)}`);
        await fs.mkdir(open);
        await fs.chmod(open, mode);
        await new CniServer({ socketPath: path.join(open, 'cni.sock'), backend: new FakeBackend() }).start()
          .then(() => expect.fail(`started in a ${mode.toString(8)} directory`), (err: Error) => {
            expect(err).to.be.instanceOf(CniSocketError);
            expect(err.message).to.include(`is writable by ${who}`).and.include('could replace the CNI socket');
          });
        expect((await fs.stat(open)).mode & 0o7777).to.equal(mode);
      }
      const closed = path.join(base, 'file');
      await fs.mkdir(closed, { mode: 0o700 });
      await fs.writeFile(path.join(closed, 'cni.sock'), 'not a socket');
      await new CniServer({ socketPath: path.join(closed, 'cni.sock'), backend: new FakeBackend() }).start()
        .then(() => expect.fail('removed a regular file'), (err: Error) => expect(err.message).to.match(/not a socket/));
      expect(await fs.readFile(path.join(closed, 'cni.sock'), 'utf8')).to.equal('not a socket');
    });

    it('refuses a directory owned by another user', async function () {
      if (process.getuid?.() !== 0) this.skip();
      const foreign = path.join(base, 'foreign');
      await fs.mkdir(foreign, { mode: 0o700 });
      await fs.chown(foreign, 65534, 65534);
      await new CniServer({ socketPath: path.join(foreign, 'cni.sock'), backend: new FakeBackend() }).start()
        .then(() => expect.fail('started in a directory of uid 65534'), (err: Error) => expect(err.message).to.match(/owned by uid 65534/));
    });

    it('answers other paths with 404 and a CNI error, and refuses an oversized chunked body', async function () {
      const socketPath = path.join(base, 'http', 'cni.sock');
      await startServer(socketPath);
      const post = (urlPath: string, chunks: string[]): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          const req = http.request({ socketPath, method: 'POST', path: urlPath }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          for (const chunk of chunks) req.write(chunk);
          req.end();
        });
      const notFound = await post('/other', ['{}']);
      expect(notFound.status).to.equal(404);
      expect(JSON.parse(notFound.body)).to.include({ code: 100 });
      const big = await post('/cni/v1', Array.from({ length: 5 }, () => 'x'.repeat(300 * 1024)));
      expect(big.status).to.equal(413);
      expect(JSON.parse(big.body)).to.include({ code: 7 });
    });
  });

  describe('ordering', function () {
    it('runs ADD and DEL of one container one after the other', async function () {
      const socketPath = path.join(base, 'serial', 'cni.sock');
      const backend = new FakeBackend();
      backend.delayMs = 300;
      await startServer(socketPath, backend);
      const runs = await Promise.all([
        runPlugin(env('ADD', 'same'), config(socketPath)),
        runPlugin(env('DEL', 'same'), config(socketPath)),
      ]);
      expect(runs.map((r) => r.exitCode)).to.deep.equal([0, 0]);
      const [first, second] = backend.calls;
      expect(backend.calls).to.have.length(2);
      expect(overlaps(first!, second!), JSON.stringify(backend.calls.map((c) => [c.method, c.start, c.end])))
        .to.equal(false);
    });

    it('runs operations of different containers in parallel', async function () {
      const socketPath = path.join(base, 'parallel', 'cni.sock');
      const backend = new FakeBackend();
      backend.delayMs = 500;
      await startServer(socketPath, backend);
      const runs = await Promise.all([
        runPlugin(env('ADD', 'pod-a'), config(socketPath)),
        runPlugin(env('ADD', 'pod-b'), config(socketPath)),
      ]);
      expect(runs.map((r) => r.exitCode)).to.deep.equal([0, 0]);
      const [a, b] = backend.calls;
      expect(overlaps(a!, b!)).to.equal(true);
    });

    it('runs GC alone: after the running ADD, before the next one', async function () {
      const socketPath = path.join(base, 'gc', 'cni.sock');
      const backend = new FakeBackend();
      backend.delayMs = 1000;
      await startServer(socketPath, backend);
      const add = runPlugin(env('ADD', 'pod-a'), config(socketPath));
      while (backend.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const gc = runPlugin({ CNI_COMMAND: 'GC' }, config(socketPath, { 'cni.dev/valid-attachments': [] }));
      // Give the GC plugin time to start and reach the daemon while pod-a's ADD is still running.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const later = runPlugin(env('ADD', 'pod-b'), config(socketPath));
      expect((await Promise.all([add, gc, later])).map((r) => r.exitCode)).to.deep.equal([0, 0, 0]);
      const byMethod = (m: string, id?: string): BackendCall =>
        backend.calls.find((c) => c.method === m && (id === undefined || c.containerId === id))!;
      expect(byMethod('gc').start).to.be.at.least(byMethod('add', 'pod-a').end!);
      expect(byMethod('add', 'pod-b').start).to.be.at.least(byMethod('gc').end!);
    });
  });
});
