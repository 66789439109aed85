// A production-shaped etcd in the sandbox hub: N members on addresses of their own, TLS with client
// certificates for clients and peers; members can be killed, restarted, removed and added.
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { type CertificatePair, TestPki } from './pki.js';
import { type Sandbox, type TrackedProcess } from './sandbox/index.js';
import { HUB_BRIDGE } from './sandbox/hub.js';
import { run } from './sandbox/process.js';

/** Member i listens on the hub subnet's address FIRST_MEMBER_HOST + i (below the hub's own .254). */
const FIRST_MEMBER_HOST = 241;

export interface EtcdMember {
  readonly name: string;
  readonly ip: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly cert: CertificatePair;
  process?: TrackedProcess;
}

/** The client side of the cluster's TLS: what the daemons and etcdctl present. */
export interface EtcdClientTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export class SandboxEtcdCluster {
  readonly members: EtcdMember[] = [];
  private nextHost = FIRST_MEMBER_HOST;

  private constructor(
    private readonly sandbox: Sandbox,
    private readonly dir: string,
    private readonly pki: TestPki,
    readonly clientTls: EtcdClientTls,
  ) {}

  /** Creates the CA and starts `size` members as a new cluster; resolves when every member is healthy. */
  static async start(sandbox: Sandbox, size: number): Promise<SandboxEtcdCluster> {
    const dir = path.join(sandbox.runDir, 'etcd');
    const pki = await TestPki.create(path.join(dir, 'pki'));
    const client = await pki.client('client');
    const cluster = new SandboxEtcdCluster(sandbox, dir, pki, { ca: pki.ca, cert: client.cert, key: client.key });
    const members = [];
    for (let i = 0; i < size; i++) members.push(await cluster.prepareMember(`etcd${i + 1}`));
    const initial = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    await Promise.all(members.map((m) => cluster.launch(m, initial, 'new')));
    await Promise.all(members.map((m) => cluster.waitHealthy(m)));
    return cluster;
  }

  /** Client URLs of the current members, in the order they joined. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  member(name: string): EtcdMember {
    const member = this.members.find((m) => m.name === name);
    if (!member) throw new Error(`no etcd member ${name}`);
    return member;
  }

  /** etcdctl (v3) in the hub with the client certificate, against `endpoints` (default: every member). */
  async etcdctl(args: readonly string[], endpoints = this.endpoints): Promise<string> {
    const tls = ['--cacert', this.clientTls.ca, '--cert', this.clientTls.cert, '--key', this.clientTls.key];
    const result = await this.sandbox.hub.exec('etcdctl', ['--endpoints', endpoints.join(','), ...tls, ...args],
      { env: { ETCDCTL_API: '3' } });
    return result.stdout;
  }

  /** The store's current revision. */
  async revision(): Promise<number> {
    return Number((JSON.parse(await this.etcdctl(['get', '--limit=1', '-w', 'json', '/'])) as { header: { revision: number } }).header.revision);
  }

  /** Every value `key` was given after `revision`, oldest first (a watch replaying history; it needs no compaction meanwhile). */
  async history(key: string, revision: number): Promise<string[]> {
    const tls = ['--cacert', this.clientTls.ca, '--cert', this.clientTls.cert, '--key', this.clientTls.key];
    // `etcdctl watch` never ends by itself: what history holds arrives at once, then `timeout` stops it.
    const result = await this.sandbox.hub.exec('timeout', ['2', 'etcdctl', '--endpoints', this.endpoints.join(','), ...tls,
      'watch', '-w', 'json', `--rev=${revision + 1}`, key], { env: { ETCDCTL_API: '3' }, reject: false });
    return result.stdout.split('\n').filter((line) => line.startsWith('{'))
      .flatMap((line) => (JSON.parse(line) as { Events?: Array<{ kv: { value?: string } }> }).Events ?? [])
      .map((event) => Buffer.from(event.kv.value ?? '', 'base64').toString());
  }

  /** The member raft elected, as the running members report it. */
  async leader(): Promise<EtcdMember> {
    const running = this.members.filter((m) => m.process?.isRunning);
    const statuses = JSON.parse(await this.etcdctl(['endpoint', 'status', '-w', 'json'], running.map((m) => m.clientUrl))) as
      Array<{ Endpoint: string; Status: { header: { member_id: number }; leader: number } }>;
    const leader = statuses.find((s) => s.Status.leader === s.Status.header.member_id);
    const member = this.members.find((m) => m.clientUrl === leader?.Endpoint);
    if (!member) throw new Error(`no etcd member reports itself leader: ${JSON.stringify(statuses)}`);
    return member;
  }

  /** Stops a member (SIGKILL: a crash; SIGTERM: a clean stop); its data stays for restart(). */
  async stop(member: EtcdMember, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await member.process?.stop(signal);
    member.process = undefined;
  }

  /** Starts a stopped member again on its data; resolves once it answers. */
  async restart(member: EtcdMember): Promise<void> {
    await this.launch(member, '', 'existing');
    await this.waitHealthy(member);
  }

  /** `etcdctl member remove`, then stops the member and deletes its data: a machine taken out for good. */
  async remove(member: EtcdMember): Promise<void> {
    const id = await this.memberId(member);
    const others = this.members.filter((m) => m !== member && m.process?.isRunning).map((m) => m.clientUrl);
    await this.reconfigure(() => this.etcdctl(['member', 'remove', id], others), /member not found/);
    await this.stop(member, 'SIGTERM');
    await rm(member.dataDir, { recursive: true, force: true });
    this.members.splice(this.members.indexOf(member), 1);
    await run('ip', ['-n', this.sandbox.hub.netns, 'addr', 'del', `${member.ip}/${this.sandbox.hub.prefixLength}`, 'dev', HUB_BRIDGE]);
  }

  /** A new machine: `etcdctl member add`, then the member starts with --initial-cluster-state existing. */
  async add(name: string): Promise<EtcdMember> {
    const member = await this.prepareMember(name);
    const others = this.members.filter((m) => m !== member && m.process?.isRunning).map((m) => m.clientUrl);
    await this.reconfigure(() => this.etcdctl(['member', 'add', name, `--peer-urls=${member.peerUrl}`], others), /already exists/);
    // What etcdctl member add prints as ETCD_INITIAL_CLUSTER, from the list (a retried add printed nothing).
    const table = await this.etcdctl(['member', 'list'], others);
    const initial = table.split('\n').filter(Boolean).map((line) => line.split(',').map((field) => field.trim()))
      .map(([, , listed, peerUrl]) => `${listed || name}=${peerUrl}`).join(',');
    await this.launch(member, initial, 'existing');
    await this.waitHealthy(member);
    return member;
  }

  /** The last lines of a member's log, for a failed test's message. */
  async logTail(member: EtcdMember, lines = 15): Promise<string> {
    return (await readFile(member.logFile, 'utf8').catch(() => '')).split('\n').slice(-lines).join('\n');
  }

  /**
   * Runs a membership change, again while etcd refuses it for now (a member that just returned is not yet
   * counted active, or a leader is being elected); a retry that finds the change made (`done`) is success.
   */
  private async reconfigure(change: () => Promise<unknown>, done: RegExp): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let attempt = 0; ; attempt++) {
      try {
        await change();
        return;
      } catch (error) {
        const message = (error as Error).message;
        if (attempt > 0 && done.test(message)) return;
        if (!/unhealthy cluster|deadline exceeded|timed out|leader changed|no leader/.test(message) || Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** The member's hex ID from `etcdctl member list` (its JSON holds IDs as numbers too large for JavaScript). */
  private async memberId(member: EtcdMember): Promise<string> {
    const table = await this.etcdctl(['member', 'list'], this.members.filter((m) => m.process?.isRunning).map((m) => m.clientUrl));
    const line = table.split('\n').find((l) => l.includes(member.peerUrl));
    if (!line) throw new Error(`etcd member ${member.name} is not in the member list:\n${table}`);
    return line.split(',')[0]!.trim();
  }

  private async prepareMember(name: string): Promise<EtcdMember> {
    const hub = this.sandbox.hub;
    const ip = `${hub.ip.split('.').slice(0, 3).join('.')}.${this.nextHost++}`;
    await run('ip', ['-n', hub.netns, 'addr', 'add', `${ip}/${hub.prefixLength}`, 'dev', HUB_BRIDGE]);
    await mkdir(path.join(this.dir, name), { recursive: true, mode: 0o700 });
    const member: EtcdMember = {
      name, ip, clientUrl: `https://${ip}:2379`, peerUrl: `https://${ip}:2380`,
      dataDir: path.join(this.dir, name, 'data'), logFile: path.join(this.dir, name, 'etcd.log'),
      // Members dial their peers from the hub's own address (the bridge's first), and etcd checks a peer's
      // certificate against the address it comes from.
      cert: await this.pki.server(name, [ip, hub.ip]),
    };
    this.members.push(member);
    return member;
  }

  private async launch(member: EtcdMember, initialCluster: string, state: 'new' | 'existing'): Promise<void> {
    const { ca } = this.clientTls;
    const { cert, key } = member.cert;
    const args = [
      '--name', member.name, '--data-dir', member.dataDir,
      '--listen-client-urls', member.clientUrl, '--advertise-client-urls', member.clientUrl,
      '--listen-peer-urls', member.peerUrl, '--initial-advertise-peer-urls', member.peerUrl,
      ...(initialCluster ? ['--initial-cluster', initialCluster, '--initial-cluster-state', state,
        '--initial-cluster-token', this.sandbox.prefix] : []),
      '--cert-file', cert, '--key-file', key, '--client-cert-auth', '--trusted-ca-file', ca,
      '--peer-cert-file', cert, '--peer-key-file', key, '--peer-client-cert-auth', '--peer-trusted-ca-file', ca,
      '--logger', 'zap', '--log-level', 'warn',
    ];
    const quoted = ['etcd', ...args].map((arg) => `'${arg}'`).join(' ');
    member.process = await this.sandbox.startProcess(this.sandbox.hub, 'sh', ['-c', `exec ${quoted} >>'${member.logFile}' 2>&1`]);
  }

  private async waitHealthy(member: EtcdMember): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await this.etcdctl(['endpoint', 'health', '--command-timeout=2s'], [member.clientUrl]).then(() => true, () => false);
      if (ok) return;
      if (!member.process?.isRunning) throw new Error(`etcd member ${member.name} exited:\n${await this.logTail(member)}`);
      if (Date.now() > deadline) throw new Error(`etcd member ${member.name} not healthy after 30 s:\n${await this.logTail(member)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
