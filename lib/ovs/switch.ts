// One OVS bridge: ports through ovs-vsctl, flows, meters and bundles through ovs-ofctl.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner } from '../exec/command.js';
import type { Cookie } from './cookie.js';
import { ALL_BITS, renderCookie } from './cookie.js';
import type { Flow } from './flow.js';
import { flowKey, renderFlow } from './flow.js';
import { type DumpedFlow, parseDumpFlows } from './dump.js';

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
  | { op: 'deleteStrict'; flow: Flow }
  | { op: 'deleteOwner'; cookie: Cookie };

export interface PortSpec {
  name: string;
  type?: 'internal' | 'vxlan' | 'system';
  ofportRequest?: number;
  /** Asks OVS for this MTU (OVS otherwise manages internal ports' MTU itself). */
  mtuRequest?: number;
  options?: Record<string, string>;
  externalIds?: Record<string, string>;
}

export interface PortInfo {
  name: string;
  ofport: number;
  externalIds: Record<string, string>;
}

export interface MeterSpec {
  id: number;
  rateKbps: number;
  burstKb: number;
}

const OPENFLOW = ['-O', 'OpenFlow13'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_ANYWHERE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** ovs-vsctl commands destroying rows, to append to a transaction that drops the last reference to them. */
function destroying(rows: ReadonlyArray<[string, string]>): string[] {
  return rows.flatMap(([table, uuid]) => ['--', 'destroy', table, uuid]);
}

export function defaultRunDir(): string {
  return process.env.OVS_RUNDIR ?? '/var/run/openvswitch';
}

export class OvsSwitch {
  readonly bridge: string;
  readonly runDir: string;
  readonly datapathType: DatapathType;

  constructor(private readonly runner: CommandRunner, options: SwitchOptions) {
    this.bridge = options.bridge;
    this.runDir = options.runDir ?? defaultRunDir();
    this.datapathType = options.datapathType ?? 'system';
  }

  private get target(): string {
    return `unix:${path.join(this.runDir, `${this.bridge}.mgmt`)}`;
  }

  vsctl(...args: string[]): Promise<string> {
    return this.runner.run('ovs-vsctl', [`--db=unix:${path.join(this.runDir, 'db.sock')}`, '--timeout=30', ...args]);
  }

  /** `ovs-ofctl -O OpenFlow13 COMMAND BRIDGE ARGS...`; options such as --bundle go in `options`. */
  private ofctl(command: string, args: string[], input?: string, options: string[] = []): Promise<string> {
    return this.runner.run('ovs-ofctl', [...OPENFLOW, ...options, command, this.target, ...args], { input });
  }

  async appctl(...args: string[]): Promise<string> {
    const pid = (await readFile(path.join(this.runDir, 'ovs-vswitchd.pid'), 'utf8')).trim();
    return this.runner.run('ovs-appctl', ['-t', path.join(this.runDir, `ovs-vswitchd.${pid}.ctl`), ...args]);
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
  async ensurePort(spec: PortSpec): Promise<number> {
    const columns: string[] = [];
    if (spec.type && spec.type !== 'system') columns.push(`type=${spec.type}`);
    if (spec.ofportRequest !== undefined) columns.push(`ofport_request=${spec.ofportRequest}`);
    if (spec.mtuRequest !== undefined) columns.push(`mtu_request=${spec.mtuRequest}`);
    for (const [key, value] of Object.entries(spec.options ?? {})) columns.push(`options:${key}=${value}`);
    for (const [key, value] of Object.entries(spec.externalIds ?? {})) {
      columns.push(`external_ids:${key}=${JSON.stringify(value)}`);
    }
    await this.vsctl('--may-exist', 'add-port', this.bridge, spec.name,
      ...(columns.length ? ['--', 'set', 'Interface', spec.name, ...columns] : []));
    return this.ofport(spec.name);
  }

  async ofport(name: string): Promise<number> {
    const ofport = Number((await this.vsctl('get', 'Interface', name, 'ofport')).trim());
    if (!Number.isInteger(ofport) || ofport <= 0) {
      throw new Error(`OVS gave port ${name} no usable ofport (${ofport}); is the device present?`);
    }
    return ofport;
  }

  /** Removes the port and its QoS rows in one transaction; succeeds if it is already gone. */
  async deletePort(name: string): Promise<void> {
    // Separately: OVSDB refuses a destroy of the QoS in the transaction that deletes the Port referencing it.
    await this.clearPortRateLimit(name);
    await this.vsctl('--if-exists', 'del-port', this.bridge, name);
  }

  /** The port's QoS and Queue rows: root tables in OVSDB, so nothing removes them but an explicit destroy. */
  private async qosRows(port: string): Promise<Array<[table: 'QoS' | 'Queue', uuid: string]>> {
    const qos = (await this.vsctl('--if-exists', 'get', 'Port', port, 'qos')).trim();
    if (!UUID.test(qos)) return [];
    const queues = await this.vsctl('get', 'QoS', qos, 'queues');
    return [['QoS', qos], ...[...queues.matchAll(UUID_ANYWHERE)].map(([uuid]) => ['Queue', uuid] as ['Queue', string])];
  }

  /** Ports with their external_ids, e.g. to rebuild the pod list after a restart. */
  async listPorts(): Promise<PortInfo[]> {
    const out = await this.vsctl('--format=json', '--columns=name,ofport,external_ids', 'list', 'Interface');
    const table = JSON.parse(out) as { data: Array<[string, number, ['map', Array<[string, string]>]]> };
    const inBridge = new Set((await this.vsctl('list-ports', this.bridge)).split('\n').filter(Boolean));
    return table.data
      .filter(([name]) => inBridge.has(name))
      .map(([name, ofport, [, pairs]]) => ({ name, ofport, externalIds: Object.fromEntries(pairs) }));
  }

  /** Applies all changes in one OpenFlow bundle: the switch takes all of them or none. */
  async bundle(changes: readonly FlowChange[]): Promise<void> {
    if (changes.length === 0) return;
    const lines = changes.map((change) => {
      switch (change.op) {
        case 'add': return `flow add ${renderFlow(change.flow)}`;
        case 'deleteStrict': return `flow delete_strict ${flowKey(change.flow)}`;
        case 'deleteOwner': return `flow delete cookie=${renderCookie(change.cookie)}/${renderCookie(ALL_BITS)}`;
      }
    });
    await this.ofctl('bundle', ['-'], lines.join('\n') + '\n');
  }

  /** Makes the switch hold exactly these flows, touching only the differences, in one bundle. */
  async replaceAllFlows(flows: readonly Flow[]): Promise<void> {
    await this.ofctl('replace-flows', ['-'], flows.map(renderFlow).join('\n') + '\n', ['--bundle']);
  }

  async dumpFlows(filter: { cookie?: Cookie; table?: number } = {}): Promise<DumpedFlow[]> {
    const parts: string[] = [];
    if (filter.cookie !== undefined) parts.push(`cookie=${renderCookie(filter.cookie)}/${renderCookie(ALL_BITS)}`);
    if (filter.table !== undefined) parts.push(`table=${filter.table}`);
    const out = await this.ofctl('dump-flows', ['--no-stats', ...(parts.length ? [parts.join(',')] : [])]);
    return parseDumpFlows(out);
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

  /** Caps traffic the switch sends out of `port` (the pod's ingress) with a linux-htb QoS. */
  async setPortRateLimit(port: string, maxRateBps: number, burstBits: number): Promise<void> {
    const previous = await this.qosRows(port);
    await this.vsctl('--', 'set', 'Port', port, 'qos=@qos',
      '--', '--id=@qos', 'create', 'QoS', 'type=linux-htb',
      `other-config:max-rate=${maxRateBps}`, 'queues:0=@q0',
      '--', '--id=@q0', 'create', 'Queue', `other-config:max-rate=${maxRateBps}`,
      `other-config:burst=${burstBits}`, ...destroying(previous));
  }

  async clearPortRateLimit(port: string): Promise<void> {
    const rows = await this.qosRows(port);
    if (rows.length) await this.vsctl('clear', 'Port', port, 'qos', ...destroying(rows));
  }
}
