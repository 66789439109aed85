// containerd with its CRI plugin inside one sandbox node, calling the real k8s-ovs CNI plugin as a kubelet's runtime would.
import { access, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PLUGIN, repoRoot, type SandboxCluster, waitUntil } from './cluster.js';
import { CriRuntimeClient, type PodSandboxStatusResponse } from './cri/client.js';
import type { NodeHostView } from './node-host.js';
import type { OciImageArchive } from './oci-image.js';
import { type NetnsHandle, type SandboxNode, type TrackedProcess } from './sandbox/index.js';
import { removeNetns } from './sandbox/cleanup.js';
import { killPid, run } from './sandbox/process.js';

/** The CNI config the package installs (rootfs/etc/cni/net.d); each node adds its daemon's socket. */
const PACKAGED_CNI_CONFIG = path.join(repoRoot, 'rootfs', 'etc', 'cni', 'net.d', '80-k8s-ovs.conf');
/** containerd's CRI plugin always adds a loopback network, so the loopback plugin must sit next to ours. */
const LOOPBACK_CANDIDATES = ['/usr/lib/cni/loopback', '/opt/cni/bin/loopback'];

export type Snapshotter = 'overlayfs' | 'native';

export interface CriPodSpec {
  namespace: string;
  name: string;
  uid: string;
  annotations?: Record<string, string>;
}

/** A pod sandbox containerd runs; its network namespace is where the test sends traffic from. */
export interface CriPod extends NetnsHandle {
  /** The sandbox ID: what containerd passes the plugin as CNI_CONTAINERID. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
}

/** One containerd per sandbox node, with its own root, state, sockets and CNI directories under the node's dir. */
export class NodeContainerd {
  private readonly pods = new Map<string, CriPod>();
  private readonly netnsSeen = new Set<string>();
  private process: TrackedProcess | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly node: SandboxNode,
    readonly dir: string,
    readonly snapshotter: Snapshotter,
    readonly cri: CriRuntimeClient,
    /** The node's own host paths, when containerd runs in a view (then its CNI dirs are /opt/cni/bin and /etc/cni/net.d). */
    readonly view?: NodeHostView,
  ) {}

  get socket(): string {
    return this.cri.socketPath;
  }

  get logFile(): string {
    return path.join(this.dir, 'containerd.log');
  }

  /**
   * Starts containerd in the node with `nsenter --net` (`ip netns exec` would remount /sys, and runc then
   * finds no cgroup mount), imports the sandbox image and waits until CRI reports the network ready.
   * On failure everything started is stopped and removed before the error is rethrown.
   */
  static async start(cluster: SandboxCluster, node: SandboxNode, image: OciImageArchive, view?: NodeHostView): Promise<NodeContainerd> {
    const dir = path.join(cluster.nodeDir(node), 'containerd');
    await mkdir(path.join(dir, 'pod-logs'), { recursive: true });
    const snapshotter = await probeSnapshotter(dir);
    const containerd = new NodeContainerd(node, dir, snapshotter, new CriRuntimeClient(path.join(dir, 'containerd.sock')), view);
    try {
      const cni = view ? { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d' } : { binDir: path.join(dir, 'cni', 'bin'), confDir: path.join(dir, 'cni', 'net.d') };
      const binSource = view?.source(cni.binDir) ?? cni.binDir;
      await mkdir(binSource, { recursive: true });
      await mkdir(view?.source(cni.confDir) ?? cni.confDir, { recursive: true });
      await symlink(await firstExisting(LOOPBACK_CANDIDATES), path.join(binSource, 'loopback'));
      if (!view) {
        // A symlink, not a copy: the launcher imports ../dist relative to its real path.
        await symlink(PLUGIN, path.join(cni.binDir, 'k8s-ovs'));
        const cniConfig = { ...(JSON.parse(await readFile(PACKAGED_CNI_CONFIG, 'utf8')) as object), daemonSocket: cluster.cniSocket(node) };
        await writeFile(path.join(cni.confDir, '80-k8s-ovs.conf'), JSON.stringify(cniConfig));
      }
      await writeFile(path.join(dir, 'config.toml'), containerdConfig(dir, snapshotter, image.reference, cni));
      const command = `containerd --config '${dir}/config.toml' >>'${containerd.logFile}' 2>&1`;
      containerd.process = view
        ? await cluster.sandbox.startProcess(node, 'unshare', ['--mount', '--propagation', 'unchanged', 'sh', '-c', await view.script(command)])
        : await cluster.sandbox.startProcess(node, 'sh', ['-c', `exec ${command}`]);
      view?.attach(containerd.process.pid);
      await waitUntil(`containerd in ${node.name}`, async () => (await containerd.cri.version()).runtimeApiVersion === 'v1', 30_000, 100);
      await containerd.importImage(image);
      // In a view the network comes later, from a DaemonSet; a kubelet starts host-network pods without it.
      if (!view) {
        await waitUntil(`CRI in ${node.name} to report NetworkReady`, async () =>
          (await containerd.cri.conditions()).find((c) => c.type === 'NetworkReady')?.status === true, 15_000, 200);
      }
      return containerd;
    } catch (error) {
      const log = await tail(containerd.logFile);
      const cleanup = await containerd.stop().then(() => '', (e: unknown) => `; cleaning up also failed: ${(e as Error).message}`);
      throw new Error(`starting containerd in ${node.name} failed: ${(error as Error).message ?? String(error)}${cleanup}` +
        `\ncontainerd's log ends:\n${log}`, { cause: error });
    }
  }

  /** `ctr images import` into the k8s.io namespace (the one CRI uses), then waits until CRI sees the image. */
  async importImage(image: OciImageArchive): Promise<void> {
    await run('ctr', ['--address', this.socket, '-n', 'k8s.io', 'images', 'import', '--snapshotter', this.snapshotter, image.file],
      { timeoutMs: 120_000 });
    await waitUntil(`CRI in ${this.node.name} to see ${image.reference}`, () => this.cri.hasImage(image.reference), 10_000, 100);
  }

  /** RunPodSandbox as kubelet sends it for a pod bound to this node; resolves once CNI ADD is done. */
  async runPod(spec: CriPodSpec): Promise<CriPod> {
    const id = await this.cri.runPodSandbox({
      metadata: { name: spec.name, uid: spec.uid, namespace: spec.namespace, attempt: 0 },
      hostname: spec.name,
      logDirectory: path.join(this.dir, 'pod-logs', `${spec.namespace}_${spec.name}_${spec.uid}`),
      labels: { 'io.kubernetes.pod.name': spec.name, 'io.kubernetes.pod.namespace': spec.namespace, 'io.kubernetes.pod.uid': spec.uid },
      annotations: spec.annotations ?? {},
    });
    const status = await this.cri.podSandboxStatus(id, true);
    const netnsPath = sandboxNetnsPath(status);
    this.netnsSeen.add(netnsPath);
    const ip = status.status.network?.ip;
    if (!ip) throw new Error(`sandbox ${id} of ${spec.namespace}/${spec.name} is ready without an IP: the CNI result had none`);
    const pod: CriPod = { id, namespace: spec.namespace, name: spec.name, ip, netns: path.basename(netnsPath), netnsPath };
    this.pods.set(id, pod);
    return pod;
  }

  /** StopPodSandbox (CNI DEL, sandbox killed) then RemovePodSandbox, as kubelet does for a deleted pod. */
  async removePod(pod: Pick<CriPod, 'id'>): Promise<void> {
    await this.cri.stopPodSandbox(pod.id);
    await this.cri.removePodSandbox(pod.id);
    this.pods.delete(pod.id);
  }

  /**
   * Removes every sandbox through CRI (so the plugin's DEL runs), stops containerd, then removes what a
   * failure could have left: shims, pod namespaces, mounts, and the whole directory. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  private async teardown(): Promise<void> {
    const errors: string[] = [];
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    if (this.process?.isRunning) {
      // If CRI cannot list, the sandboxes this object ran are still worth a try.
      const sandboxes = await this.cri.listPodSandbox().catch(() => [...this.pods.values()]);
      // Pods on the pod network first: their DEL needs the daemon, which may itself run here in a pod.
      sandboxes.sort((a, b) => Number(!this.pods.has(a.id)) - Number(!this.pods.has(b.id)));
      for (const sandbox of sandboxes) await attempt(`removing sandbox ${sandbox.id}`, () => this.removePod(sandbox));
    }
    this.cri.close();
    await attempt('stopping containerd', async () => this.process?.stop('SIGTERM', 10_000));
    await attempt('killing leftover shims', () => this.killShims());
    for (const netnsPath of this.netnsSeen) {
      await attempt(`removing ${netnsPath}`, async () => {
        if (await exists(netnsPath)) await removeNetns(path.basename(netnsPath));
      });
    }
    await attempt('unmounting', () => unmountBelow(this.dir));
    await attempt(`removing ${this.dir}`, () => rm(this.dir, { recursive: true, force: true }));
    if (errors.length) throw new Error(`stopping containerd in ${this.node.name}: ${errors.join('; ')}`);
  }

  /** Shims outlive a killed containerd; ours are the ones whose command line names our socket. */
  private async killShims(): Promise<void> {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
      if (cmdline[0]?.endsWith('containerd-shim-runc-v2') && cmdline.includes(this.socket)) await killPid(Number(entry));
    }
  }
}

/** The pod's network namespace path from containerd's verbose sandbox info (its runtime spec). */
export function sandboxNetnsPath(status: PodSandboxStatusResponse): string {
  const info = JSON.parse(status.info.info ?? '{}') as {
    runtimeSpec?: { linux?: { namespaces?: Array<{ type: string; path?: string }> } };
  };
  const netns = info.runtimeSpec?.linux?.namespaces?.find((ns) => ns.type === 'network')?.path;
  if (!netns) throw new Error(`sandbox ${status.status.id}: no network namespace path in its verbose info`);
  return netns;
}

function containerdConfig(dir: string, snapshotter: Snapshotter, sandboxImage: string, cni: { binDir: string; confDir: string }): string {
  const q = JSON.stringify;
  return `version = 2
root = ${q(path.join(dir, 'root'))}
state = ${q(path.join(dir, 'state'))}
# Snapshotters that cannot work here, and tracing, only slow the start down.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${q(path.join(dir, 'containerd.sock'))}

[ttrpc]
  address = ${q(path.join(dir, 'containerd.sock.ttrpc'))}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(path.join(dir, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  disable_cgroup = true
  disable_apparmor = true
  restrict_oom_score_adj = true
  sandbox_image = ${q(sandboxImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = ${q(snapshotter)}
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      # runc's state under ours too, not in the shared /run/containerd/runc.
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = ${q(path.join(dir, 'runc'))}

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${q(cni.binDir)}
    conf_dir = ${q(cni.confDir)}
    max_conf_num = 1
`;
}

/** overlayfs when the kernel and the filesystem under `dir` can mount one; else `native` (plain copies). */
async function probeSnapshotter(dir: string): Promise<Snapshotter> {
  const probe = path.join(dir, 'overlay-probe');
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(probe, d)) as [string, string, string, string];
  for (const d of [lower, upper, work, merged]) await mkdir(d, { recursive: true });
  const mounted = await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], { reject: false });
  if (mounted.exitCode === 0) await run('umount', [merged]);
  await rm(probe, { recursive: true, force: true });
  return mounted.exitCode === 0 ? 'overlayfs' : 'native';
}

/** Unmounts everything mounted at or below `dir`, deepest first (rootfs and shm mounts of killed sandboxes). */
async function unmountBelow(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo.split('\n').map((line) => line.split(' ')[4] ?? '')
    .map((point) => point.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    const result = await run('umount', [point], { reject: false });
    if (result.exitCode !== 0) await run('umount', ['-l', point]);
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

async function firstExisting(candidates: readonly string[]): Promise<string> {
  for (const candidate of candidates) if (await exists(candidate)) return candidate;
  throw new Error(`none of ${candidates.join(', ')} exists (apt-get install containernetworking-plugins)`);
}

async function tail(file: string, lines = 20): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-lines).join('\n');
}
