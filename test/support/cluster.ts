// A k8s-ovs cluster on the sandbox: etcd in the hub, the real daemon in each node, the real CNI plugin.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox, type SandboxNode, type TrackedProcess, cleanupStale, randomPrefix } from './sandbox/index.js';
import { type PluginRun, runPlugin } from './cni.js';
import { SandboxEtcdCluster } from './etcd-cluster.js';
import { parseEnvironmentFile } from '../../lib/cli/environment-file.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const DAEMON = path.join(repoRoot, 'bin', 'k8s-ovs');
export const PLUGIN = path.join(repoRoot, 'bin', 'k8s-ovs-cni');
export const PREFIX = '/k8s.ovs.com/ovs/network';

export const MULTITENANT_CONFIG = {
  Name: 'k8ssdn', Network: '10.128.0.0/14', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16',
  PluginName: 'k8s-ovs-multitenant',
};

export interface ClusterOptions {
  prefix?: string;
  nodes?: number;
  underlaySubnet: string;
  /** Written with etcdctl before any daemon starts; omit to start without a config. */
  config?: object;
  enableV2?: boolean;
  /**
   * Run etcd as a cluster of this many members with TLS and client certificates (SandboxEtcdCluster)
   * instead of one plain member; daemons then read the etcd settings from an environment file.
   */
  etcdMembers?: number;
}

export interface CniCall {
  containerId: string;
  netns: string;
  ifname?: string;
  namespace?: string;
  pod?: string;
  cniVersion?: string;
  runtimeConfig?: object;
  prevResult?: object;
  /** The network configuration as a runtime reads it from its file; replaces the generated one. */
  configText?: string;
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` + (lastError ? `: ${(lastError as Error).message}` : ''));
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export class SandboxCluster {
  readonly daemons = new Map<string, TrackedProcess>();
  private etcd?: TrackedProcess;
  private etcdArgs: string[] = [];
  /** Set when the cluster runs a multi-member TLS etcd. */
  etcdCluster?: SandboxEtcdCluster;

  private constructor(readonly sandbox: Sandbox, private readonly singleEtcdEndpoint: string) {}

  /** The etcd client URLs, comma-separated as --etcd-endpoints takes them. */
  get etcdEndpoint(): string {
    return this.etcdCluster ? this.etcdCluster.endpoints.join(',') : this.singleEtcdEndpoint;
  }

  /** (Re)starts etcd in the hub on its data dir and waits until it is healthy. */
  async startEtcd(): Promise<void> {
    this.etcd = await this.sandbox.startProcess(this.sandbox.hub, 'etcd', this.etcdArgs);
    await waitUntil('etcd in the hub', async () => (await this.etcdctl('endpoint', 'health'), true));
  }

  async stopEtcd(): Promise<void> {
    await this.etcd?.stop('SIGTERM');
  }

  static async start(options: ClusterOptions): Promise<SandboxCluster> {
    const prefix = options.prefix ?? randomPrefix('kcl');
    const sandbox = await Sandbox.create({ prefix, nodes: options.nodes ?? 2, underlaySubnet: options.underlaySubnet });
    try {
      const hub = sandbox.hub;
      const endpoint = `http://${hub.ip}:2379`;
      const dataDir = path.join(sandbox.runDir, 'etcd');
      const cluster = new SandboxCluster(sandbox, endpoint);
      if (options.etcdMembers) {
        cluster.etcdCluster = await SandboxEtcdCluster.start(sandbox, options.etcdMembers);
        if (options.config) await cluster.etcdctl('put', `${PREFIX}/config`, JSON.stringify(options.config));
        return cluster;
      }
      cluster.etcdArgs = ['--name', 'hub', '--data-dir', dataDir,
        '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
        '--listen-peer-urls', `http://${hub.ip}:2380`, '--initial-advertise-peer-urls', `http://${hub.ip}:2380`,
        '--initial-cluster', `hub=http://${hub.ip}:2380`, ...(options.enableV2 ? ['--enable-v2=true'] : [])];
      // `endpoint health` prints its verdict on stderr; its exit status is what counts.
      await cluster.startEtcd();
      if (options.config) await cluster.etcdctl('put', `${PREFIX}/config`, JSON.stringify(options.config));
      return cluster;
    } catch (error) {
      await sandbox.destroy();
      await cleanupStale(prefix);
      throw error;
    }
  }

  node(name: string): SandboxNode {
    return this.sandbox.node(name);
  }

  /** etcdctl (v3 API) run in the hub, exactly as an admin would type it. */
  async etcdctl(...args: string[]): Promise<string> {
    if (this.etcdCluster) return this.etcdCluster.etcdctl(args);
    const result = await this.sandbox.hub.exec('etcdctl', ['--endpoints', this.etcdEndpoint, ...args], { env: { ETCDCTL_API: '3' } });
    return result.stdout;
  }

  async etcdGet(key: string): Promise<unknown> {
    const text = (await this.etcdctl('get', '--print-value-only', key)).trim();
    return text ? JSON.parse(text) : undefined;
  }

  async etcdList(keyPrefix: string): Promise<Map<string, unknown>> {
    const lines = (await this.etcdctl('get', '--prefix', keyPrefix)).split('\n').filter(Boolean);
    const entries = new Map<string, unknown>();
    for (let i = 0; i + 1 < lines.length; i += 2) entries.set(lines[i]!.slice(keyPrefix.length), JSON.parse(lines[i + 1]!));
    return entries;
  }

  nodeDir(node: SandboxNode): string {
    return path.join(this.sandbox.runDir, `daemon-${node.name}`);
  }

  cniSocket(node: SandboxNode): string {
    return path.join(this.nodeDir(node), 'run', 'cni.sock');
  }

  /** The node's /etc/sysconfig/k8s-ovs: where its daemon reads the etcd settings of a multi-member etcd. */
  environmentFile(node: SandboxNode): string {
    return path.join(this.nodeDir(node), 'sysconfig');
  }

  /** Writes the etcd settings into the node's environment file, as an administrator edits /etc/sysconfig/k8s-ovs. */
  async writeEtcdEnvironment(node: SandboxNode, endpoints: readonly string[]): Promise<void> {
    const tls = this.etcdCluster!.clientTls;
    await writeFile(this.environmentFile(node), [
      '# written by the test, as an administrator edits /etc/sysconfig/k8s-ovs',
      `K8S_OVS_ETCD_ENDPOINTS=${endpoints.join(',')}`,
      `K8S_OVS_ETCD_CAFILE=${tls.ca}`, `K8S_OVS_ETCD_CERTFILE=${tls.cert}`, `K8S_OVS_ETCD_KEYFILE=${tls.key}`, '',
    ].join('\n'), { mode: 0o600 });
  }

  /** `systemctl reload k8s-ovs`: SIGHUP to the node's daemon. */
  reloadDaemon(node: SandboxNode): void {
    this.daemons.get(node.name)?.subprocess.kill('SIGHUP');
  }

  logFile(node: SandboxNode): string {
    return path.join(this.nodeDir(node), 'daemon.log');
  }

  async log(node: SandboxNode): Promise<string> {
    return readFile(this.logFile(node), 'utf8').catch(() => '');
  }

  /** The node's settings the daemon needs in the sandbox, as K8S_OVS_* variables (for a daemon given no flags). */
  sandboxEnvironment(node: SandboxNode): Record<string, string> {
    return { K8S_OVS_OVS_RUNDIR: node.ovsRunDir, K8S_OVS_DATAPATH_TYPE: 'netdev', K8S_OVS_CNI_SOCKET: this.cniSocket(node),
      K8S_OVS_STATE_DIR: path.join(this.nodeDir(node), 'state'), K8S_OVS_ELECTION_TTL: '3' };
  }

  /**
   * Starts the daemon inside the node, as its systemd unit would, and waits until it says it is ready.
   * `argv` replaces the sandbox's flags (give `env` then); `utsHostname` runs it under that host name.
   */
  async startDaemon(node: SandboxNode, extraFlags: string[] = [],
    options: { waitReady?: boolean; argv?: string[]; env?: Record<string, string>; utsHostname?: string } = {}): Promise<TrackedProcess> {
    await mkdir(this.nodeDir(node), { recursive: true, mode: 0o700 });
    const readyBefore = (await this.log(node)).split('k8s-ovs ready').length;
    let environment: Record<string, string> = options.env ?? {};
    if (this.etcdCluster && !options.argv) {
      // As systemd starts it: the settings come from EnvironmentFile=, which SIGHUP makes the daemon re-read.
      await this.writeEtcdEnvironment(node, this.etcdCluster.endpoints);
      environment = { ...environment, ...Object.fromEntries(parseEnvironmentFile(await readFile(this.environmentFile(node), 'utf8'))) };
    }
    const etcdFlags = this.etcdCluster ? ['--environment-file', this.environmentFile(node)] : ['--etcd-endpoints', this.etcdEndpoint];
    const flags = options.argv ?? [...etcdFlags, '--hostname', node.name, '--ovs-rundir', node.ovsRunDir,
      '--datapath-type', 'netdev', '--cni-socket', this.cniSocket(node), '--state-dir', path.join(this.nodeDir(node), 'state'),
      '--election-ttl', '3', ...extraFlags];
    // By its shebang, as systemd runs /usr/bin/k8s-ovs: the Node.js options there apply.
    const quoted = [DAEMON, ...flags].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    const script = `${options.utsHostname ? `hostname '${options.utsHostname}' && ` : ''}exec ${quoted} >>${this.logFile(node)} 2>&1`;
    const daemon = await this.sandbox.startProcess(node, options.utsHostname ? 'unshare' : 'sh',
      [...(options.utsHostname ? ['--uts', 'sh'] : []), '-c', script], { env: environment });
    this.daemons.set(node.name, daemon);
    if (options.waitReady ?? true) {
      await waitUntil(`the daemon on ${node.name} to be ready`,
        async () => (await this.log(node)).split('k8s-ovs ready').length > readyBefore, 30_000)
        .catch(async (error: Error) => {
          const tail = (await this.log(node)).split('\n').slice(-15).join('\n');
          throw new Error(`${error.message}\n--- last lines of ${node.name}'s daemon log ---\n${tail}`);
        });
    }
    return daemon;
  }

  async stopDaemon(node: SandboxNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.daemons.get(node.name)?.stop(signal);
    this.daemons.delete(node.name);
  }

  /** Runs the real CNI plugin inside the node, with the environment and stdin a runtime gives it. */
  cni(node: SandboxNode, command: string, call: CniCall): Promise<PluginRun> {
    const cniArgs = call.namespace ? `IgnoreUnknown=1;K8S_POD_NAMESPACE=${call.namespace};K8S_POD_NAME=${call.pod ?? call.containerId}` : '';
    const config = {
      cniVersion: call.cniVersion ?? '1.0.0', name: 'k8s-ovs', type: 'k8s-ovs', daemonSocket: this.cniSocket(node),
      ...(call.runtimeConfig ? { runtimeConfig: call.runtimeConfig } : {}),
      ...(call.prevResult ? { prevResult: call.prevResult } : {}),
    };
    return runPlugin({
      CNI_COMMAND: command, CNI_CONTAINERID: call.containerId, CNI_NETNS: call.netns, CNI_IFNAME: call.ifname ?? 'eth0',
      CNI_PATH: '/opt/cni/bin', ...(cniArgs ? { CNI_ARGS: cniArgs } : {}),
    }, call.configText ?? JSON.stringify(config), PLUGIN, ['nsenter', `--net=${node.netnsPath}`]);
  }

  /** Stops everything; with KOVS_TEST_LOGS set, daemon logs are kept in that directory first. */
  async destroy(): Promise<void> {
    for (const node of this.sandbox.nodes) await this.stopDaemon(node).catch(() => undefined);
    const keep = process.env.KOVS_TEST_LOGS;
    if (keep) {
      await mkdir(keep, { recursive: true });
      for (const node of this.sandbox.nodes) {
        await copyFile(this.logFile(node), path.join(keep, `${this.sandbox.prefix}-${node.name}.log`)).catch(() => undefined);
      }
    }
    const prefix = this.sandbox.prefix;
    await this.sandbox.destroy();
    await cleanupStale(prefix);
  }
}

