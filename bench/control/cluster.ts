// The control-plane bench cluster: etcd in the hub, the real daemon on n1, n2 left free for lib-level work.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DAEMON, PREFIX, SandboxCluster, waitUntil } from '../../test/support/cluster.js';
import { type SandboxNode, type TrackedProcess, randomPrefix } from '../../test/support/sandbox/index.js';

/** A /10 cluster network: room for the 5,000 remote /23 subnets of the scale-growth run (from 10.136.0.0). */
export const BENCH_CONFIG = {
  Name: 'k8ssdn', Network: '10.128.0.0/10', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16',
  PluginName: 'k8s-ovs-multitenant',
};
export const NET_KEYS = `${PREFIX}/k8ssdn`;
/** KOVS_BENCH_UNDERLAY and KOVS_BENCH_PREFIX move a run off another's sandbox on the same machine. */
export const CONTROL_UNDERLAY = process.env.KOVS_BENCH_UNDERLAY ?? '10.85.0.0/24';
export const SANDBOX_PREFIX = process.env.KOVS_BENCH_PREFIX ?? 'kbn';
/** The namespace CNI pods are added in (numbered by hand, as an admin without Kubernetes would). */
export const POD_NAMESPACE = 'bench';
export const POD_NAMESPACE_VNID = 11;

export async function startControlCluster(underlaySubnet = CONTROL_UNDERLAY): Promise<SandboxCluster> {
  const cluster = await SandboxCluster.start({
    prefix: randomPrefix(SANDBOX_PREFIX), nodes: 2, underlaySubnet, config: BENCH_CONFIG,
  });
  await cluster.etcdctl('put', `${NET_KEYS}/netnamespaces/${POD_NAMESPACE}`,
    JSON.stringify({ NetName: POD_NAMESPACE, NetID: POD_NAMESPACE_VNID, Action: '', Namespace: '' }));
  return cluster;
}

export interface DaemonStart {
  extraFlags?: string[];
  /** Extra environment, e.g. a PATH with timing shims in front. */
  env?: Record<string, string>;
  waitReady?: boolean;
  /** The daemon's launcher; another build's bin/k8s-ovs to compare two versions. */
  daemon?: string;
}

/**
 * Starts the daemon in the node as SandboxCluster.startDaemon does, but with an environment of our own;
 * registers it with the cluster so that stopDaemon and destroy stop it. Resolves with its process.
 */
export async function startDaemon(cluster: SandboxCluster, node: SandboxNode, options: DaemonStart = {}): Promise<TrackedProcess> {
  await mkdir(cluster.nodeDir(node), { recursive: true, mode: 0o700 });
  const readyBefore = (await cluster.log(node)).split('k8s-ovs ready').length;
  const flags = ['--etcd-endpoints', cluster.etcdEndpoint, '--hostname', node.name, '--ovs-rundir', node.ovsRunDir,
    '--datapath-type', 'netdev', '--cni-socket', cluster.cniSocket(node), '--state-dir', path.join(cluster.nodeDir(node), 'state'),
    '--election-ttl', '3', ...(options.extraFlags ?? [])];
  // By its shebang, as systemd runs /usr/bin/k8s-ovs: the Node.js options there apply.
  const quoted = [options.daemon ?? DAEMON, ...flags].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  // `env` execs in place: the tracked pid stays the daemon's even when PATH puts shims in front of nsenter.
  const env = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
  const daemon = await cluster.sandbox.startProcess(node, 'env', [...env, 'sh', '-c', `exec ${quoted} >>${cluster.logFile(node)} 2>&1`]);
  cluster.daemons.set(node.name, daemon);
  if (options.waitReady ?? true) {
    await waitUntil(`the daemon on ${node.name} to be ready`,
      async () => (await cluster.log(node)).split('k8s-ovs ready').length > readyBefore, 120_000, 50)
      .catch(async (error: Error) => {
        throw new Error(`${error.message}; daemon log ends:\n${(await cluster.log(node)).split('\n').slice(-15).join('\n')}`);
      });
  }
  return daemon;
}

export interface Rss {
  /** Resident set now (VmRSS), MiB. */
  rssMb: number;
  /** Peak resident set since start (VmHWM), MiB. */
  peakMb: number;
  /** Anonymous part of the resident set (heap, JIT code, stacks): RSS minus mapped files such as the node binary. */
  anonMb: number;
}

/** The memory of a process from /proc; nsenter and `sh -c exec` both exec in place, so the pid is node's. */
export async function processRss(pid: number): Promise<Rss> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rssMb: field('VmRSS'), peakMb: field('VmHWM'), anonMb: field('RssAnon') };
}

/** The daemon's command name, to prove the pid measured is the Node.js daemon and not a wrapper. */
export async function processName(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
}

/** Samples a process's RSS every `everyMs` until stopped; returns the largest seen. */
export function rssSampler(pid: number, everyMs = 250): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const rss = await processRss(pid).catch(() => undefined);
      if (rss) max = Math.max(max, rss.rssMb);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/** Flow count of one table of a node's br0 (`ovs-ofctl dump-aggregate`). */
export async function tableFlowCount(node: SandboxNode, table?: number): Promise<number> {
  const args = ['dump-aggregate', node.mgmtSocket('br0'), ...(table === undefined ? [] : [`table=${table}`])];
  const { stdout } = await node.ofctl(args);
  return Number(/flow_count=(\d+)/.exec(stdout)?.[1] ?? NaN);
}

/** Linux's USER_HZ: /proc/PID/stat counts CPU time in these ticks. */
const TICKS_PER_S = 100;

export interface CpuTime {
  /** The process itself (utime + stime), ms. */
  selfMs: number;
  /** Its children that it has waited for (cutime + cstime): the programs it ran, ms. */
  childrenMs: number;
}

/** CPU time of a process so far; `self` reads the bench process. */
export async function cpuTime(pid: number | 'self'): Promise<CpuTime> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // Fields 14-17 of stat(5), counted from after the command name (field 3 is index 0).
  const [utime, stime, cutime, cstime] = [fields[11]!, fields[12]!, fields[13]!, fields[14]!];
  return { selfMs: ((utime + stime) * 1000) / TICKS_PER_S, childrenMs: ((cutime + cstime) * 1000) / TICKS_PER_S };
}

/** ovs-vswitchd's and ovsdb-server's pids, from their pidfiles in the node's OVS directory. */
export async function ovsPids(node: SandboxNode): Promise<number[]> {
  const pids: number[] = [];
  for (const daemon of ['ovs-vswitchd', 'ovsdb-server']) {
    const text = await readFile(path.join(node.ovsRunDir, `${daemon}.pid`), 'utf8').catch(() => '');
    if (Number(text.trim()) > 0) pids.push(Number(text.trim()));
  }
  return pids;
}
