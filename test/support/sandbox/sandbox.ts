// The sandbox cluster: a hub plus N OVS nodes in network namespaces, pod namespaces, and everything they started.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_TEMP_ROOT, removeNetns, validatePrefix } from './cleanup.js';
import { Hub } from './hub.js';
import { listNetns, type NetnsHandle } from './netns.js';
import { SandboxNode } from './node.js';
import { ContinuousPinger } from './pinger.js';
import { PodNetns } from './pod.js';
import { startProcess, type StartOptions, type TrackedProcess } from './process.js';
import { TcpListener } from './traffic.js';
import { UdpEcho } from './udp.js';

export interface SandboxOptions {
  /** Per-run prefix of every namespace and directory, e.g. from `randomPrefix()`. */
  prefix: string;
  /** Node count (named n1..nN) or explicit names; default 2. */
  nodes?: number | string[];
  /** Underlay /24 as `A.B.C.0/24`; hub is .254, node i is .i. Default 10.99.0.0/24. */
  underlaySubnet?: string;
  /** Parent of the run directory (default: $TMPDIR/k8s-ovs-sandbox). Keep it short: OVS socket paths. */
  tempRoot?: string;
}

/** Anything the sandbox must stop on destroy. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/** `ksb` + 4 random hex digits: a prefix no concurrent run shares. */
export function randomPrefix(base = 'ksb'): string {
  return `${base}${randomBytes(2).toString('hex')}`;
}

function parseUnderlay(subnet: string): string {
  const match = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.0\/24$/.exec(subnet);
  if (!match?.[1] || match[1].split('.').some((octet) => Number(octet) > 255)) {
    throw new Error(`underlaySubnet "${subnet}" must be an A.B.C.0/24 network`);
  }
  return match[1];
}

export class Sandbox {
  readonly nodes: SandboxNode[] = [];
  private readonly createdNetns: string[] = [];
  private readonly pods = new Map<string, PodNetns>();
  private readonly stoppables: Stoppable[] = [];
  private hubInstance: Hub | undefined;
  private destroying: Promise<void> | undefined;

  private constructor(
    readonly prefix: string,
    /** Absolute directory holding every node's OVS directory and the pid records. */
    readonly runDir: string,
  ) {}

  /** Remembers a namespace the moment it exists: only those are deleted, never a same-named one of another run. */
  private readonly onNetns = (name: string): void => {
    this.createdNetns.push(name);
  };

  /** Directory of pid records: cleanupStale kills these after a crash. */
  get pidDir(): string {
    return join(this.runDir, 'pids');
  }

  get hub(): Hub {
    if (!this.hubInstance) throw new Error(`sandbox ${this.prefix} has no hub`);
    return this.hubInstance;
  }

  /**
   * Builds hub and nodes (nodes in parallel). On failure everything already made is destroyed and the
   * error rethrown; a "File exists" error means a run with this prefix is alive or crashed (see cleanupStale).
   */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    validatePrefix(options.prefix);
    const base = parseUnderlay(options.underlaySubnet ?? '10.99.0.0/24');
    const names = typeof options.nodes === 'object' ? options.nodes : Array.from({ length: options.nodes ?? 2 }, (_, i) => `n${i + 1}`);
    if (names.length < 1 || names.length > 250) throw new Error(`nodes: ${names.length} is not between 1 and 250`);
    const sandbox = new Sandbox(options.prefix, join(options.tempRoot ?? DEFAULT_TEMP_ROOT, options.prefix));
    const longestSocket = Math.max(...names.map((name) => join(sandbox.runDir, name, 'ovs-vswitchd.4194304.ctl').length));
    if (longestSocket > 107) throw new Error(`tempRoot "${options.tempRoot}" is too long for OVS's unix socket paths (108 bytes)`);
    try {
      await mkdir(sandbox.pidDir, { recursive: true });
      sandbox.hubInstance = await Hub.create(`${options.prefix}-hub`, `${base}.254`, 24, sandbox.onNetns);
      const nodes = names.map((name, i) => {
        const spec = {
          name,
          netns: `${options.prefix}-${name}`,
          ip: `${base}.${i + 1}`,
          prefixLength: 24,
          ovsRunDir: join(sandbox.runDir, name),
          pidDir: sandbox.pidDir,
        };
        return SandboxNode.create(spec, sandbox.hub, (node) => {
          sandbox.nodes[i] = node;
          sandbox.onNetns(node.netns);
        });
      });
      const results = await Promise.allSettled(nodes);
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      await sandbox.destroy().catch(() => undefined);
      throw error;
    }
    return sandbox;
  }

  node(name: string): SandboxNode {
    const node = this.nodes.find((candidate) => candidate.name === name);
    if (!node) throw new Error(`sandbox ${this.prefix} has no node ${name}`);
    return node;
  }

  /** A bare pod namespace `${prefix}-pod-${name}` (loopback up), deleted by destroy(). */
  async createPodNetns(name: string): Promise<PodNetns> {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`pod name "${name}" must be [a-z0-9-]`);
    if (this.pods.has(name)) throw new Error(`sandbox ${this.prefix} already has pod ${name}`);
    const pod = await PodNetns.create(name, `${this.prefix}-pod-${name}`, this.onNetns);
    this.pods.set(name, pod);
    return pod;
  }

  /** Deletes a pod namespace early (killing what runs in it); destroy() would do it anyway. */
  async deletePodNetns(name: string): Promise<void> {
    const pod = this.pods.get(name);
    if (!pod) return;
    await removeNetns(pod.netns);
    this.pods.delete(name);
  }

  /** Runs a long-lived command inside `where` (hub, node or pod), stopped by destroy(); e.g. etcd in the hub. */
  async startProcess(where: NetnsHandle, cmd: string, args: readonly string[], options: Omit<StartOptions, 'pidDir'> = {}): Promise<TrackedProcess> {
    const proc = await startProcess(`${cmd} (${where.netns})`, 'nsenter', [`--net=${where.netnsPath}`, '--', cmd, ...args], {
      ...options,
      pidDir: this.pidDir,
    });
    this.track(proc);
    return proc;
  }

  /** Registers something for destroy() to stop first (before namespaces go); stopped in reverse order. */
  track<T extends Stoppable>(thing: T): T {
    this.stoppables.push(thing);
    return thing;
  }

  async startTcpListener(where: NetnsHandle, port: number, options: { host?: string } = {}): Promise<TcpListener> {
    return this.track(await TcpListener.start(where, port, { ...options, pidDir: this.pidDir }));
  }

  async startUdpEcho(where: NetnsHandle, port: number): Promise<UdpEcho> {
    return this.track(await UdpEcho.start(where, port, { pidDir: this.pidDir }));
  }

  async startPinger(from: NetnsHandle, toIp: string, options: { intervalMs?: number } = {}): Promise<ContinuousPinger> {
    return this.track(await ContinuousPinger.start(from, toIp, { ...options, pidDir: this.pidDir }));
  }

  /**
   * Stops everything tracked, both OVS daemons of every node and any other process inside the sandbox's
   * namespaces, deletes the namespaces and the run directory. Idempotent; tries every step and then
   * throws an AggregateError listing what failed. `saveLogsTo` keeps each node's OVS logs (as
   * `DIR/NODE/*.log`) for a failed test's post-mortem.
   */
  destroy(options: { saveLogsTo?: string } = {}): Promise<void> {
    this.destroying ??= this.teardown(options.saveLogsTo);
    return this.destroying;
  }

  private async teardown(saveLogsTo: string | undefined): Promise<void> {
    const errors: unknown[] = [];
    const settle = async (work: Promise<unknown>[]): Promise<void> => {
      for (const result of await Promise.allSettled(work)) if (result.status === 'rejected') errors.push(result.reason);
    };
    const nodes = this.nodes.filter(Boolean);
    await settle([...this.stoppables].reverse().map((thing) => thing.stop()));
    await settle(nodes.map((node) => node.ovs.stop()));
    if (saveLogsTo) {
      const logsOnly = (dir: string) => (src: string) => src === dir || src.endsWith('.log');
      await settle(nodes.map((node) =>
        cp(node.ovsRunDir, join(saveLogsTo, node.name), { recursive: true, filter: logsOnly(node.ovsRunDir) })));
    }
    const existing = await listNetns();
    await settle(this.createdNetns.filter((ns) => existing.includes(ns)).map((ns) => removeNetns(ns)));
    await settle([rm(this.runDir, { recursive: true, force: true })]);
    if (errors.length > 0) throw new AggregateError(errors, `destroying sandbox ${this.prefix}: ${errors.length} step(s) failed: ` +
      errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
  }
}
