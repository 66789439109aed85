// One private Open vSwitch instance (ovsdb-server + ovs-vswitchd) per node: its run directory, daemons and CLI tools.
import { mkdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { run, startProcess, waitFor, type RunOptions, type RunResult, type TrackedProcess } from './process.js';

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

function socketAccepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class OvsInstance {
  /** `unix:DIR/db.sock`: the --db of ovs-vsctl and the remote the daemons use. */
  readonly dbSocket: string;
  /** OVS_RUNDIR etc. pointing at this instance, for any process that must address this node's OVS. */
  readonly env: Readonly<Record<string, string>>;
  private ovsdb: TrackedProcess | undefined;
  private vswitchd: TrackedProcess | undefined;

  constructor(
    /** Network namespace the daemons run in (ports and the userspace datapath's taps live there). */
    readonly netns: string,
    /** Absolute run directory: db, sockets, pidfiles, logs. */
    readonly runDir: string,
    private readonly pidDir: string,
  ) {
    this.dbSocket = `unix:${join(runDir, 'db.sock')}`;
    this.env = { OVS_RUNDIR: runDir, OVS_DBDIR: runDir, OVS_LOGDIR: runDir, OVS_SYSCONFDIR: runDir };
  }

  /** Creates the database and starts both daemons; resolves when ovs-vswitchd has applied the database. */
  async start(): Promise<void> {
    await mkdir(this.runDir, { recursive: true });
    await run('ovsdb-tool', ['create', join(this.runDir, 'conf.db'), SCHEMA]);
    this.ovsdb = await this.startDaemon('ovsdb-server', [
      join(this.runDir, 'conf.db'),
      `--remote=p${this.dbSocket}`,
    ]);
    // ovs-vsctl retries a refused connection with a backoff of a second or more: wait for the socket here.
    await waitFor(`${this.netns} ovsdb-server`, () => socketAccepts(join(this.runDir, 'db.sock')));
    await this.vsctl(['--no-wait', 'init']);
    await this.startVswitchd();
  }

  get vswitchdPid(): number {
    if (!this.vswitchd?.isRunning) throw new Error(`ovs-vswitchd of ${this.netns} is not running`);
    return this.vswitchd.pid;
  }

  /** The unixctl socket of the running ovs-vswitchd (what `ovs-appctl -t` takes). */
  get vswitchdCtl(): string {
    return join(this.runDir, `ovs-vswitchd.${this.vswitchdPid}.ctl`);
  }

  /** `unix:DIR/BRIDGE.mgmt`: the OpenFlow management socket of a bridge, for ovs-ofctl. */
  mgmtSocket(bridge: string): string {
    return `unix:${join(this.runDir, `${bridge}.mgmt`)}`;
  }

  async startVswitchd(): Promise<void> {
    this.vswitchd = await this.startDaemon('ovs-vswitchd', [this.dbSocket]);
    // A database change that ovs-vswitchd must acknowledge (cur_cfg): once it returns, every bridge and port
    // in the database exists again and its .mgmt socket listens.
    await this.vsctl(['set', 'Open_vSwitch', '.', `external_ids:sandbox-vswitchd-pid=${this.vswitchd.pid}`]);
  }

  /** Restarts ovsdb-server on its existing database (a package upgrade does this); ovs-vswitchd reconnects. */
  async restartOvsdb(): Promise<void> {
    await this.ovsdb?.stop();
    this.ovsdb = await this.startDaemon('ovsdb-server', [join(this.runDir, 'conf.db'), `--remote=p${this.dbSocket}`]);
    await waitFor(`${this.netns} ovsdb-server`, () => socketAccepts(join(this.runDir, 'db.sock')));
  }

  async stopVswitchd(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.vswitchd?.stop(signal);
  }

  /** Deletes the database (after stop()): the next start() begins with an empty OVS, as on a wiped node. */
  async wipe(): Promise<void> {
    await rm(join(this.runDir, 'conf.db'), { force: true });
    await rm(join(this.runDir, '.conf.db.~lock~'), { force: true });
  }

  /** Stops both daemons; safe to call more than once. */
  async stop(): Promise<void> {
    await this.vswitchd?.stop();
    await this.ovsdb?.stop();
  }

  vsctl(args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return run('ovs-vsctl', [`--db=${this.dbSocket}`, '--timeout=10', ...args], { ...options, env: { ...this.env, ...options?.env } });
  }

  /** ovs-ofctl speaking OpenFlow 1.3 (the bridges accept nothing else); a bare bridge name resolves through OVS_RUNDIR. */
  ofctl(args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return run('ovs-ofctl', ['-O', 'OpenFlow13', ...args], { ...options, env: { ...this.env, ...options?.env } });
  }

  appctl(args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return run('ovs-appctl', ['-t', this.vswitchdCtl, ...args], options);
  }

  private startDaemon(name: string, args: readonly string[]): Promise<TrackedProcess> {
    // `ip netns exec` as sandbox-cluster.md prescribes (it also gives the daemon the namespace's /sys);
    // it execs in place, so the child's PID is the daemon's.
    return startProcess(
      `${name} (${this.netns})`,
      'ip',
      ['netns', 'exec', this.netns, name, ...args, '--pidfile', '--log-file', '-vconsole:off'],
      { env: { ...this.env }, pidDir: this.pidDir },
    );
  }
}
