// A sandbox node's own view of the host filesystem: what a real node has at /opt/cni/bin, /etc/cni/net.d,
// /var/run/openvswitch and the like, made for one containerd by bind mounts in its own mount namespace.
// Pods it runs see hostPath volumes exactly as the manifest names them; the rest of the host is shared.
import { access, mkdir, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxNode } from './sandbox/index.js';
import { execIn, type RunOptions, type RunResult } from './sandbox/index.js';

export interface NodeHostViewOptions {
  /** Host path → this node's directory mounted there (created if missing). */
  binds: Readonly<Record<string, string>>;
  /** Files made unusable in the view (a bind of /dev/null), e.g. a program the node must not have. */
  hide?: readonly string[];
}

/** The PATH a node's containerd runs with, as a systemd unit gives it; the CNI plugins inherit it. */
export const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Creates the directories `targets` need as mount points on the host (a node would have them), and returns
 * those it created, for removeMountPoints once every view using them is gone.
 */
export async function createMountPoints(targets: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  for (const target of targets) {
    const missing: string[] = [];
    for (let dir = target; dir !== '/' && !(await access(dir).then(() => true, () => false)); dir = path.dirname(dir)) missing.unshift(dir);
    for (const dir of missing) {
      const made = await mkdir(dir).then(() => true, (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      });
      if (made) created.push(dir);
    }
  }
  return created;
}

/** Removes what createMountPoints created, deepest first, where it is still empty. */
export async function removeMountPoints(created: readonly string[]): Promise<void> {
  for (const dir of [...created].reverse()) {
    if ((await readdir(dir).catch(() => ['?'])).length === 0) await rmdir(dir).catch(() => undefined);
  }
}

export class NodeHostView {
  private pid: number | undefined;

  constructor(readonly node: SandboxNode, private readonly options: NodeHostViewOptions) {}

  /** The host paths this view mounts over (they must exist: see createMountPoints). */
  get targets(): string[] {
    return Object.keys(this.options.binds);
  }

  /** The node's directory behind a host path of the view (for assertions from the test's side). */
  source(hostPath: string): string {
    for (const [target, source] of Object.entries(this.options.binds)) {
      if (hostPath === target || hostPath.startsWith(`${target}/`)) return path.join(source, path.relative(target, hostPath));
    }
    return hostPath;
  }

  /**
   * The shell that sets the view up and then execs `command`: run in a new mount namespace created with
   * propagation unchanged, so that pod network namespaces (/run/netns, a shared mount) still show on the
   * host. Only the mounts holding the targets change (see below), so the binds stay in this namespace.
   */
  async script(command: string): Promise<string> {
    const q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
    const lines = ['set -e'];
    const targets = [...Object.keys(this.options.binds), ...(this.options.hide ?? [])];
    for (const source of Object.values(this.options.binds)) await mkdir(source, { recursive: true });
    // Slave, then shared in a peer group of its own: nothing made here reaches the host, and each mount
    // is "shared or slave" as on a systemd host, which containerd requires of a HostToContainer source.
    for (const target of targets) {
      lines.push(`mount --make-slave "$(findmnt -n -o TARGET -T ${q(target)})"`, `mount --make-shared "$(findmnt -n -o TARGET -T ${q(target)})"`);
    }
    for (const [target, source] of Object.entries(this.options.binds)) lines.push(`mount --bind ${q(source)} ${q(target)}`);
    for (const file of this.options.hide ?? []) lines.push(`mount --bind /dev/null ${q(file)}`);
    lines.push(`exec env -i PATH=${NODE_PATH} ${command}`);
    return lines.join('\n');
  }

  /** The pid of the process that runs in the view (its mount namespace is the view). */
  attach(pid: number): void {
    this.pid = pid;
  }

  /** Runs a command in the node's network namespace and in the view, as a shell on the node would. */
  exec(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    if (this.pid === undefined) throw new Error(`the host view of ${this.node.name} has no process yet`);
    return execIn(this.node, 'nsenter', [`--mount=/proc/${this.pid}/ns/mnt`, '--', cmd, ...args], options);
  }
}
