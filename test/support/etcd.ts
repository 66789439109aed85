// A throwaway single-member etcd for e2e tests (fresh data dir, free ports), plus a TCP proxy to cut clients off.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ETCD_BINARY = process.env.ETCD_BINARY ?? '/usr/bin/etcd';

// If the test process exits without its after hooks (process.exit, a closed pipe), take etcd along.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface EtcdServerOptions {
  /** Also serve the v2 API (etcd 3.4's --enable-v2). */
  enableV2?: boolean;
  /** Serve clients over TLS and require a client certificate signed by `caFile`. */
  tls?: { caFile: string; certFile: string; keyFile: string };
}

/** A port nobody listens on right now, found by letting the kernel pick one. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export class EtcdServer {
  private process: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly dir: string,
    readonly clientPort: number,
    readonly peerPort: number,
    private readonly options: EtcdServerOptions,
  ) {}

  /** Starts etcd on 127.0.0.1 and waits until it reports healthy. */
  static async start(options: EtcdServerOptions = {}): Promise<EtcdServer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'k8s-ovs-etcd-'));
    const server = new EtcdServer(dir, await freePort(), await freePort(), options);
    try {
      await server.restart();
    } catch (error) {
      await server.remove();
      throw error;
    }
    return server;
  }

  get endpoint(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.clientPort}`;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** Starts (again) on the same ports and data dir. */
  async restart(): Promise<void> {
    if (this.process) return;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const args = [
      '--name', 'test', '--data-dir', path.join(this.dir, 'data'),
      '--listen-client-urls', this.endpoint, '--advertise-client-urls', this.endpoint,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `test=${peer}`, '--initial-cluster-state', 'new',
      '--log-level', 'error', '--logger', 'zap',
      ...(this.options.enableV2 ? ['--enable-v2=true'] : []),
      ...(this.options.tls ? ['--cert-file', this.options.tls.certFile, '--key-file', this.options.tls.keyFile,
        '--client-cert-auth', '--trusted-ca-file', this.options.tls.caFile] : []),
    ];
    const child = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    running.add(child);
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      running.delete(child);
      if (this.process === child) this.process = null;
    });
    await this.waitHealthy();
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.process === null) throw new Error(`etcd exited during start:\n${this.output}`);
      try {
        if (await this.healthy()) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`etcd did not become healthy within 15 s:\n${this.output}`);
  }

  private async healthy(): Promise<boolean> {
    const tls = this.options.tls;
    if (!tls) {
      const body = (await (await fetch(`${this.endpoint}/health`)).json()) as { health?: string };
      return body.health === 'true';
    }
    // Node's fetch cannot present a client certificate: ask etcdctl, which can.
    const result = spawnSync('etcdctl', ['--endpoints', this.endpoint, '--cacert', tls.caFile, '--cert', tls.certFile,
      '--key', tls.keyFile, 'endpoint', 'health'], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 5000 });
    return result.status === 0;
  }

  /** Stops etcd (SIGTERM, SIGKILL after 5 s); the data dir is kept for restart(). */
  async stop(): Promise<void> {
    const child = this.process;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.process = null;
  }

  /** Stops etcd and deletes its data dir. */
  async remove(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Calls the v3 JSON gateway (keys and values are base64). */
  private async gateway<T>(method: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint}/v3/${method}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${method}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async revision(): Promise<number> {
    const result = await this.gateway<{ header: { revision: string } }>('kv/range', {
      key: Buffer.from('\0').toString('base64'),
    });
    return Number(result.header.revision);
  }

  /** Compacts history up to `revision` (default: the current one), as etcd's auto-compaction would. */
  async compact(revision?: number): Promise<number> {
    const target = revision ?? (await this.revision());
    await this.gateway('kv/compaction', { revision: String(target), physical: true });
    return target;
  }
}

/** A TCP relay in front of etcd that a test can cut, as a network partition would, while etcd keeps running. */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;

  private constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), targetPort);
    await proxy.open();
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  /** Drops every connection and refuses new ones until open(). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
