// Issue 8 security proof: root-only CNI socket and IPAM state, etcd over TLS client certificates and with passwords.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EtcdStore } from '../../lib/etcd/store.js';
import { StoreError } from '../../lib/etcd/errors.js';
import { Cidr } from '../../lib/net/ipv4.js';
import { CniServer } from '../../lib/sdn/cni/server.js';
import { HostSubnetIpam } from '../../lib/sdn/ipam/allocator.js';
import { EtcdServer } from '../support/etcd.js';
import { FakeBackend } from '../support/cni.js';
import { DAEMON } from '../support/cluster.js';
import { TestPki } from '../support/pki.js';

const asNobody = (command: string, args: string[]) =>
  execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', command, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Starts the real daemon against etcd with `flags` and returns its log once it has shown how the connection went. */
async function daemonLog(flags: string[]): Promise<string> {
  const child = spawn(process.execPath, [DAEMON, '--node-ip', '127.0.0.1', '--etcd-prefix', '/k8s-ovs-security', ...flags],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  try {
    for (let waited = 0; waited < 15_000 && !/waiting for the network config|etcd connection lost|failed/.test(log); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return log;
  } finally {
    child.kill('SIGKILL');
  }
}

describe('security: who may talk to the daemon and to etcd', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'k8s-ovs-security-'));
    await chmod(dir, 0o755);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('the CNI socket and the IPAM state', () => {
    let server: CniServer;
    let socket: string;
    let stateDir: string;

    before(async () => {
      socket = path.join(dir, 'run', 'k8s-ovs', 'cni-server.sock');
      // As a package or tmpfiles.d might leave it: root's, readable by all. Accepted, and still closed to others.
      await mkdir(path.join(dir, 'run', 'k8s-ovs'), { recursive: true, mode: 0o755 });
      await chmod(path.join(dir, 'run', 'k8s-ovs'), 0o755);
      server = new CniServer({ socketPath: socket, backend: new FakeBackend() });
      await server.start();
      stateDir = path.join(dir, 'lib', 'ipam');
      await mkdir(path.join(dir, 'lib'), { mode: 0o755 });
      const ipam = await HostSubnetIpam.open({ stateDir, subnet: Cidr.parse('10.128.0.0/23') });
      await ipam.allocate('ctr-secret', 'eth0');
    });

    after(async () => {
      await server?.stop();
    });

    it('lets root connect and refuses an unprivileged user, in a root-owned 0755 socket directory', async () => {
      await new Promise<void>((resolve, reject) => net.connect(socket).on('connect', function (this: net.Socket) {
        this.end();
        resolve();
      }).on('error', reject));
      const probe = `require('net').connect(${JSON.stringify(socket)}).on('connect',()=>console.log('connected')).on('error',(e)=>console.log(e.code))`;
      expect(asNobody(process.execPath, ['-e', probe]).trim()).to.equal('EACCES');
    });

    it('keeps the IPAM records unreadable and unlistable for an unprivileged user', () => {
      expect(() => asNobody('ls', [path.join(stateDir, 'addresses')])).to.throw(/Permission denied/);
      expect(() => asNobody('cat', [path.join(stateDir, 'last-reserved')])).to.throw(/Permission denied/);
      expect(execFileSync('ls', [path.join(stateDir, 'addresses')], { encoding: 'utf8' })).to.include('10.128.0.2');
    });
  });

  describe('etcd over TLS with client certificates', () => {
    let etcd: EtcdServer;
    let certs: Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string>;

    before(async () => {
      const pki = await TestPki.create(path.join(dir, 'pki'));
      const server = await pki.server('server', ['127.0.0.1']);
      const client = await pki.client('client');
      certs = { ca: pki.ca, serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key };
      etcd = await EtcdServer.start({ tls: { caFile: certs.ca, certFile: certs.serverCert, keyFile: certs.serverKey } });
    });

    after(async () => {
      await etcd?.stop();
      await etcd?.remove();
    });

    it('reads and writes with the client certificate', async () => {
      const store = await EtcdStore.connect({ endpoints: [etcd.endpoint], prefix: '/k8s-ovs-security',
        caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey });
      try {
        await store.put('probe', 'over TLS');
        expect((await store.get('probe'))?.value).to.equal('over TLS');
      } finally {
        await store.close();
      }
    });

    it('is refused without a client certificate, with a typed error', async () => {
      const store = await EtcdStore.connect({ endpoints: [etcd.endpoint], prefix: '/k8s-ovs-security', caFile: certs.ca, requestTimeoutMs: 2000 });
      try {
        const failure = await store.put('probe', 'x').then(() => undefined, (e: unknown) => e);
        expect(failure).to.be.instanceOf(StoreError);
      } finally {
        await store.close();
      }
    });

    it('connects the daemon with --etcd-cafile/--etcd-certfile/--etcd-keyfile', async () => {
      const log = await daemonLog(['--etcd-endpoints', etcd.endpoint, '--etcd-cafile', certs.ca,
        '--etcd-certfile', certs.clientCert, '--etcd-keyfile', certs.clientKey]);
      expect(log).to.include('etcd connected');
      expect(log).to.include('waiting for the network config');
    });
  });

  describe('etcd with username and password', () => {
    let etcd: EtcdServer;
    const etcdctl = (...args: string[]) => execFileSync('etcdctl', ['--endpoints', etcd.endpoint, ...args],
      { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });

    before(async () => {
      etcd = await EtcdServer.start();
      etcdctl('user', 'add', 'root:root-secret');
      etcdctl('user', 'grant-role', 'root', 'root');
      etcdctl('user', 'add', 'k8sovs:node-secret');
      etcdctl('role', 'add', 'k8s-ovs');
      etcdctl('role', 'grant-permission', 'k8s-ovs', '--prefix=true', 'readwrite', '/k8s-ovs-security');
      etcdctl('user', 'grant-role', 'k8sovs', 'k8s-ovs');
      etcdctl('auth', 'enable');
    });

    after(async () => {
      await etcd?.stop();
      await etcd?.remove();
    });

    it('reads and writes as a user with a role on the prefix', async () => {
      const store = await EtcdStore.connect({ endpoints: [etcd.endpoint], prefix: '/k8s-ovs-security', username: 'k8sovs', password: 'node-secret' });
      try {
        await store.put('probe', 'authenticated');
        expect((await store.get('probe'))?.value).to.equal('authenticated');
      } finally {
        await store.close();
      }
    });

    it('refuses a wrong password with a typed error naming the problem', async () => {
      const store = await EtcdStore.connect({ endpoints: [etcd.endpoint], prefix: '/k8s-ovs-security', username: 'k8sovs', password: 'wrong', requestTimeoutMs: 2000 });
      try {
        const failure = await store.get('probe').then(() => undefined, (e: unknown) => e);
        expect(failure).to.be.instanceOf(StoreError);
        expect((failure as Error).message).to.match(/auth|password|permission/i);
      } finally {
        await store.close();
      }
    });

    it('connects the daemon with --etcd-username/--etcd-password', async () => {
      const log = await daemonLog(['--etcd-endpoints', etcd.endpoint, '--etcd-username', 'k8sovs', '--etcd-password', 'node-secret']);
      expect(log).to.include('waiting for the network config');
      expect(log).to.not.include('etcd connection lost');
    });
  });
});
