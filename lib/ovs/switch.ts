// One OVS bridge: ports through OVSDB (bridge setup and listings through ovs-vsctl), flows, meters and bundles through ovs-ofctl.
import path from 'node:path';
import type { CommandRunner, RunOptions } from '../exec/command.js';
import type { Cookie } from './cookie.js';
import { ALL_BITS, renderCookie } from './cookie.js';
import type { Flow, FlowsByKey, OfPort } from './flow.js';
import { flowKey, ofPort, renderFlow, renderKeyedFlow } from './flow.js';
import { type DumpedFlow, parseDumpFlows } from './dump.js';
import { OvsdbClient, type OvsdbRow } from './ovsdb.js';
import { type VswitchdSession, openVswitchdSession, vswitchdCommand, vswitchdControlSocket } from './vswitchd.js';
import { BridgePorts, type PortSpec } from './ports.js';

export type { PortSpec } from './ports.js';

export type DatapathType = 'system' | 'netdev';

/**
 * How the switch treats IP fragments (ovs-ofctl(8) set-frags). An OpenFlow switch setting, not an OVSDB
 * column: ovs-vswitchd starts every bridge in `normal` again when it restarts.
 */
export type FragmentHandling = 'normal' | 'drop' | 'reassemble' | 'nx-match';
const FRAGMENT_HANDLINGS: readonly FragmentHandling[] = ['normal', 'drop', 'reassemble', 'nx-match'];

export interface SwitchOptions {
  bridge: string;
  /** OVS run directory (db.sock, BRIDGE.mgmt, pidfiles); the system one unless OVS_RUNDIR says otherwise. */
  runDir?: string;
  datapathType?: DatapathType;
}

/** One change inside an atomic bundle. */
export type FlowChange =
  | { op: 'add'; flow: Flow }
  | { op: 'deleteStrict'; flow: Flow };

export interface PortInfo {
  name: string;
  /** Undefined while OVS has given the interface no port number (e.g. its device is missing). */
  ofport: OfPort | undefined;
  externalIds: Record<string, string>;
}

export interface MeterSpec {
  id: number;
  rateKbps: number;
  burstKb: number;
}

/**
 * --no-names: otherwise every ovs-ofctl run that mentions a table first fetches all table features
 * (about 1 MB from ovs-vswitchd) to resolve table names; our flows name ports and tables by number.
 */
const OFCTL_OPTIONS = ['-O', 'OpenFlow13', '--no-names'];

/** Flows per piece of replace-flows input: about 80 kB of text. */
const FLOWS_PER_PIECE = 500;

function* renderedInPieces(owners: readonly FlowsByKey[]): Generator<string> {
  let piece = '';
  let count = 0;
  for (const flows of owners) {
    for (const [key, flow] of flows) {
      piece += `${renderKeyedFlow(key, flow)}\n`;
      if (++count % FLOWS_PER_PIECE === 0) {
        yield piece;
        piece = '';
      }
    }
  }
  if (piece) yield piece;
}

export function defaultRunDir(): string {
  return process.env.OVS_RUNDIR ?? '/var/run/openvswitch';
}

export class OvsSwitch {
  readonly bridge: string;
  readonly runDir: string;
  readonly datapathType: DatapathType;
  private readonly db: OvsdbClient;
  private readonly ports: BridgePorts;

  constructor(private readonly runner: CommandRunner, options: SwitchOptions) {
    this.bridge = options.bridge;
    this.runDir = options.runDir ?? defaultRunDir();
    this.datapathType = options.datapathType ?? 'system';
    this.db = new OvsdbClient(path.join(this.runDir, 'db.sock'));
    this.ports = new BridgePorts(this.db, this.bridge);
  }

  private get target(): string {
    return `unix:${path.join(this.runDir, `${this.bridge}.mgmt`)}`;
  }

  vsctl(...args: string[]): Promise<string> {
    return this.runner.run('ovs-vsctl', [`--db=unix:${path.join(this.runDir, 'db.sock')}`, '--timeout=30', ...args]);
  }

  /** `ovs-ofctl -O OpenFlow13 COMMAND BRIDGE ARGS...`; options such as --bundle go in `options`. */
  private ofctl(command: string, args: string[], input?: RunOptions['input'], options: string[] = []): Promise<string> {
    return this.runner.run('ovs-ofctl', [...OFCTL_OPTIONS, ...options, command, this.target, ...args], { input });
  }

  async appctl(...args: string[]): Promise<string> {
    const { socketPath } = await vswitchdControlSocket(this.runDir);
    return this.runner.run('ovs-appctl', ['-t', socketPath, ...args]);
  }

  /** A connection to the running ovs-vswitchd that ends when it exits: how a restart is noticed. */
  openVswitchdSession(): Promise<VswitchdSession> {
    return openVswitchdSession(this.runDir);
  }

  /**
   * Follows the bridge's row in OVSDB: `changed` when it is deleted or created anew (its flows go with it),
   * `lost` when the OVSDB connection ends (follow again then). Resolves once following.
   */
  async watchBridge(changed: (what: string) => void, lost: (error: Error) => void): Promise<void> {
    const named = (row: OvsdbRow | undefined) => row?.name === this.bridge;
    await this.db.monitor('Bridge', ['name'], {
      // One call per OVSDB transaction: `ovs-vsctl del-br br0 -- add-br br0` deletes and creates in one.
      update: (rows) => {
        const seen = Object.values(rows).flatMap(({ old, new: now }) =>
          (named(old) && !now ? ['deleted'] : named(now) && !old ? ['created'] : []));
        if (seen.length) changed(`bridge ${this.bridge} ${seen.join(' and ')}`);
      },
      lost,
    });
  }

  /** Creates the bridge if missing and (re)asserts its settings; idempotent. */
  async ensureBridge(): Promise<void> {
    await this.vsctl('--may-exist', 'add-br', this.bridge, '--', 'set', 'Bridge', this.bridge,
      'fail-mode=secure', 'protocols=OpenFlow13', `datapath_type=${this.datapathType}`);
  }

  /** Sets the bridge's fragment handling; idempotent. */
  async setFragmentHandling(mode: FragmentHandling): Promise<void> {
    await this.ofctl('set-frags', [mode]);
  }

  async fragmentHandling(): Promise<FragmentHandling> {
    const mode = (await this.ofctl('get-frags', [])).trim();
    if (!FRAGMENT_HANDLINGS.includes(mode as FragmentHandling)) {
      throw new Error(`ovs-ofctl get-frags ${this.bridge} printed an unknown fragment handling "${mode}"`);
    }
    return mode as FragmentHandling;
  }

  async bridgeExists(): Promise<boolean> {
    try {
      await this.vsctl('br-exists', this.bridge);
      return true;
    } catch {
      return false;
    }
  }

  /** Adds the port if missing and sets its interface columns; returns the ofport OVS assigned. */
  ensurePort(spec: PortSpec): Promise<OfPort> {
    return this.ports.ensure(spec);
  }

  /** Removes the port and its QoS rows in one transaction; succeeds if it is already gone. */
  deletePort(name: string): Promise<void> {
    return this.ports.delete(name);
  }

  /** Ports with their external_ids, e.g. to rebuild the pod list after a restart. */
  async listPorts(): Promise<PortInfo[]> {
    const out = await this.vsctl('--format=json', '--columns=name,ofport,external_ids', 'list', 'Interface');
    const table = JSON.parse(out) as { data: Array<[string, number | ['set', []], ['map', Array<[string, string]>]]> };
    const inBridge = new Set((await this.vsctl('list-ports', this.bridge)).split('\n').filter(Boolean));
    return table.data
      .filter(([name]) => inBridge.has(name))
      .map(([name, ofport, [, pairs]]) => ({
        name, ofport: typeof ofport === 'number' && ofport > 0 ? ofPort(ofport) : undefined, externalIds: Object.fromEntries(pairs),
      }));
  }

  /** Applies all changes in one OpenFlow bundle: the switch takes all of them or none. */
  async bundle(changes: readonly FlowChange[]): Promise<void> {
    if (changes.length === 0) return;
    const lines = changes.map((change) => {
      switch (change.op) {
        case 'add': return `flow add ${renderFlow(change.flow)}`;
        case 'deleteStrict': return `flow delete_strict ${flowKey(change.flow)}`;
      }
    });
    await this.ofctl('bundle', ['-'], lines.join('\n') + '\n');
  }

  /**
   * Makes the switch hold exactly these flows, touching only the differences, in one bundle. The flows are
   * rendered a piece at a time as ovs-ofctl reads them: at 5,000 nodes the text is 7 MB, and holding it whole
   * (lines, the joined text, its bytes) was about 15 MiB of the daemon's peak.
   */
  async replaceAllFlows(owners: readonly FlowsByKey[]): Promise<void> {
    await this.ofctl('replace-flows', ['-'], renderedInPieces(owners), ['--bundle']);
  }

  async dumpFlows(filter: { cookie?: Cookie; table?: number } = {}, options: { stats?: boolean } = {}): Promise<DumpedFlow[]> {
    const parts: string[] = [];
    if (filter.cookie !== undefined) parts.push(`cookie=${renderCookie(filter.cookie)}/${renderCookie(ALL_BITS)}`);
    if (filter.table !== undefined) parts.push(`table=${filter.table}`);
    const out = await this.ofctl('dump-flows', [...(options.stats ? [] : ['--no-stats']), ...(parts.length ? [parts.join(',')] : [])]);
    return parseDumpFlows(out);
  }

  /**
   * Forgets every connection conntrack holds for `ip` in `zone`, as either end: a pod's connections must not outlive
   * it, or a later pod given its address would inherit them (established connections pass NetworkPolicy).
   */
  async flushConnections(zone: number, ip: string): Promise<void> {
    await Promise.all(['ct_nw_src', 'ct_nw_dst'].map((end) => vswitchdCommand(this.runDir, 'dpctl/flush-conntrack', [`zone=${zone}`, `${end}=${ip}`])));
  }

  /** Adds or updates a drop-band meter (userspace and kernel datapaths both support them). */
  async setMeter(meter: MeterSpec): Promise<void> {
    const spec = `meter=${meter.id},kbps,burst,band=type=drop,rate=${meter.rateKbps},burst_size=${meter.burstKb}`;
    const existing = await this.meterIds();
    await this.ofctl(existing.has(meter.id) ? 'mod-meter' : 'add-meter', [spec]);
  }

  async deleteMeter(id: number): Promise<void> {
    await this.ofctl('del-meter', [`meter=${id}`]);
  }

  async meterIds(): Promise<Set<number>> {
    const out = await this.ofctl('dump-meters', []);
    return new Set([...out.matchAll(/meter=(\d+)/g)].map((m) => Number(m[1])));
  }

  /** Sends `frame` through the flow tables as if it had arrived on `inPort` (ovs-ofctl packet-out, actions=table). */
  async packetOut(inPort: number, frame: Buffer): Promise<void> {
    await this.ofctl('packet-out', [`in_port=${inPort},packet=${frame.toString('hex')},actions=table`]);
  }

  /** Caps traffic the switch sends out of `port` (the pod's ingress) with a linux-htb QoS. */
  setPortRateLimit(port: string, maxRateBps: number, burstBits: number): Promise<void> {
    return this.ports.setRateLimit(port, maxRateBps, burstBits);
  }

  /** Closes the kept OVSDB connection (it does not hold the process open meanwhile). */
  close(): void {
    this.db.close();
  }
}
