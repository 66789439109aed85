// A sandbox node: a network namespace with an uplink to the hub, its own OVS, and its underlay address on br-phy.
import { join } from 'node:path';
import { removeNetns } from './cleanup.js';
import type { Hub } from './hub.js';
import { addNetns, execIn, netnsPath, type NetnsHandle } from './netns.js';
import { OvsInstance } from './ovs.js';
import { run, type RunOptions, type RunResult } from './process.js';

/** The node end of the veth to the hub; it is a port of br-phy. */
export const UPLINK = 'uplink';
/** The userspace-datapath bridge whose internal port holds the underlay address (tunnels route through it). */
export const UNDERLAY_BRIDGE = 'br-phy';

export interface NodeSpec {
  /** Logical name, e.g. `n1`; the namespace is `${prefix}-${name}`. At most 13 characters (`v-NAME` on the hub). */
  name: string;
  netns: string;
  /** Underlay address, e.g. 10.99.0.1. */
  ip: string;
  prefixLength: number;
  /** Absolute per-node directory for OVS. */
  ovsRunDir: string;
  /** Where the sandbox records the PIDs it starts. */
  pidDir: string;
}

export class SandboxNode implements NetnsHandle {
  readonly name: string;
  readonly netns: string;
  readonly netnsPath: string;
  readonly ip: string;
  readonly prefixLength: number;
  readonly ovs: OvsInstance;

  private constructor(
    spec: NodeSpec,
    path: string,
    private readonly hub: Hub,
  ) {
    this.name = spec.name;
    this.netns = spec.netns;
    this.netnsPath = path;
    this.ip = spec.ip;
    this.prefixLength = spec.prefixLength;
    this.ovs = new OvsInstance(spec.netns, spec.ovsRunDir, spec.pidDir);
  }

  /**
   * Creates the namespace, uplink and OVS. Hands out the node as soon as its namespace exists (`created`)
   * so that a failure later in set-up still leaves the caller something to destroy.
   */
  static async create(spec: NodeSpec, hub: Hub, created: (node: SandboxNode) => void): Promise<SandboxNode> {
    if (!/^[a-z0-9][a-z0-9-]{0,12}$/.test(spec.name)) {
      throw new Error(`node name "${spec.name}" must be 1-13 of [a-z0-9-] (the hub's veth is v-NAME, at most 15)`);
    }
    const node = new SandboxNode(spec, netnsPath(spec.netns), hub);
    await addNetns(spec.netns, () => created(node));
    await node.boot();
    return node;
  }

  /**
   * What a reboot leaves of this node: every process in it killed (its k8s-ovs daemon too), its namespace
   * and the pods' host veths gone, a fresh OVS database; then the namespace, uplink and OVS come up again
   * with the same address. Files outside OVS (a daemon's state directory) are the caller's to keep or wipe.
   */
  async reboot(): Promise<void> {
    await this.ovs.stop();
    await this.hub.removeUplink(this.name);
    await removeNetns(this.netns);
    await this.ovs.wipe();
    await addNetns(this.netns, () => undefined);
    await this.boot();
  }

  /** Uplink, sysctls, OVS with br-phy and the underlay address: a node's start, first or after a reboot. */
  private async boot(): Promise<void> {
    await this.hub.addUplink(this.name, this.netns, UPLINK);
    // arp_ignore=1: otherwise this kernel answers ARP for the br-phy address from the uplink with the veth's
    // MAC, a peer OVS caches it as the tunnel neighbour and every VXLAN packet to us is lost.
    await this.exec('sysctl', [
      '-qw',
      'net.ipv4.conf.all.arp_ignore=1',
      `net.ipv4.conf.${UPLINK}.arp_ignore=1`,
      'net.ipv4.ip_forward=1',
    ]);
    await run('ip', ['-n', this.netns, 'link', 'set', UPLINK, 'up']);
    await this.ovs.start();
    await this.ovs.vsctl([
      '--may-exist', 'add-br', UNDERLAY_BRIDGE, '--', 'set', 'bridge', UNDERLAY_BRIDGE, 'datapath_type=netdev',
      '--', '--may-exist', 'add-port', UNDERLAY_BRIDGE, UPLINK,
    ]);
    await this.configureUnderlay();
  }

  /** Absolute OVS run directory (db, sockets, pidfiles, logs). */
  get ovsRunDir(): string {
    return this.ovs.runDir;
  }

  /** `unix:DIR/db.sock` */
  get dbSocket(): string {
    return this.ovs.dbSocket;
  }

  /** OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR, OVS_SYSCONFDIR for processes that must address this node's OVS. */
  get ovsEnv(): Readonly<Record<string, string>> {
    return this.ovs.env;
  }

  /** Path of ovs-vswitchd's log, for post-mortems. */
  get vswitchdLog(): string {
    return join(this.ovs.runDir, 'ovs-vswitchd.log');
  }

  /** Runs a command in the node namespace, with `ovsEnv` set so plain `ovs-vsctl`/`ovs-ofctl br0` reach this node's OVS. */
  exec(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return execIn(this, cmd, args, { ...options, env: { ...this.ovs.env, ...options?.env } });
  }

  vsctl(args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.ovs.vsctl(args, options);
  }

  /** `ovs-ofctl -O OpenFlow13 ...`; name a bridge by `mgmtSocket(bridge)` or just by its name. */
  ofctl(args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.ovs.ofctl(args, options);
  }

  /** `ovs-appctl -t DIR/ovs-vswitchd.PID.ctl ...` */
  appctl(args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.ovs.appctl(args, options);
  }

  mgmtSocket(bridge: string): string {
    return this.ovs.mgmtSocket(bridge);
  }

  /**
   * Kills ovs-vswitchd and starts it again; ovsdb-server keeps running, so bridges and ports come back
   * (same ofports) but every OpenFlow flow is gone: the userspace datapath lives in the process.
   * Resolves when the new ovs-vswitchd has re-created all bridges and the address is back on br-phy.
   *
   * `flowRestoreWait` restarts the way `ovs-ctl restart` does: other_config:flow-restore-wait=true is set
   * first, and then the new ovs-vswitchd forwards nothing at all, not even the underlay, until
   * finishFlowRestore(); flows added meanwhile are kept and used from then on.
   */
  async restartVswitchd(options: { signal?: NodeJS.Signals; flowRestoreWait?: boolean } = {}): Promise<void> {
    await this.ovs.stopVswitchd(options.signal ?? 'SIGTERM');
    if (options.flowRestoreWait) await this.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', 'other_config:flow-restore-wait=true']);
    await this.ovs.startVswitchd();
    await this.configureUnderlay();
  }

  /** Ends a `flowRestoreWait` restart: ovs-vswitchd starts forwarding with the flows it was given. */
  async finishFlowRestore(): Promise<void> {
    await this.vsctl(['set', 'Open_vSwitch', '.', 'other_config:flow-restore-wait=false']);
  }

  /**
   * Underlay address and default route on br-phy. br-phy's tap outlives ovs-vswitchd (OVS makes it persistent)
   * and keeps both, but `replace` keeps a restart correct without relying on that.
   */
  private async configureUnderlay(): Promise<void> {
    await run('ip', ['-n', this.netns, '-batch', '-'], {
      input: [
        `addr replace ${this.ip}/${this.prefixLength} dev ${UNDERLAY_BRIDGE}`,
        `link set ${UNDERLAY_BRIDGE} up`,
        `route replace default via ${this.hub.ip} dev ${UNDERLAY_BRIDGE}`,
        '',
      ].join('\n'),
    });
  }
}
