// A bridge's ports with their interfaces and QoS rows, changed through the kept OVSDB connection.
import {
  type OvsdbClient, type OvsdbCondition, type OvsdbOperation, type OvsdbRow, OvsdbError, mapEntries, namedUuid, ovsdbMap, ovsdbSet,
  setMembers, uuid,
} from './ovsdb.js';
import { type OfPort, ofPort } from './flow.js';

export interface PortSpec {
  name: string;
  type?: 'internal' | 'vxlan' | 'system';
  ofportRequest?: OfPort;
  /** Asks OVS for this MTU (OVS otherwise manages internal ports' MTU itself). */
  mtuRequest?: number;
  options?: Record<string, string>;
  externalIds?: Record<string, string>;
}

type QosRow = [table: 'QoS' | 'Queue', uuid: string];

const byName = (name: string): OvsdbCondition[] => [['name', '==', name]];

/** The Interface columns a spec sets; an existing port's maps are replaced, not merged. */
function interfaceColumns(spec: PortSpec): OvsdbRow {
  return {
    type: spec.type && spec.type !== 'system' ? spec.type : '',
    ...(spec.ofportRequest !== undefined ? { ofport_request: spec.ofportRequest } : {}),
    ...(spec.mtuRequest !== undefined ? { mtu_request: spec.mtuRequest } : {}),
    options: ovsdbMap(spec.options ?? {}),
    external_ids: ovsdbMap(spec.externalIds ?? {}),
  };
}

export class BridgePorts {
  constructor(
    private readonly db: OvsdbClient,
    private readonly bridge: string,
    /** How long to wait for ovs-vswitchd to give a new port its OpenFlow number. */
    private readonly ofportTimeoutMs = 30_000,
  ) {}

  /** Adds the port if missing, else sets its interface columns; returns the ofport ovs-vswitchd assigned. */
  async ensure(spec: PortSpec): Promise<OfPort> {
    if (await this.portRow(spec.name)) {
      await this.db.transact([{ op: 'update', table: 'Interface', where: byName(spec.name), row: interfaceColumns(spec) }]);
    } else {
      const results = await this.db.transact([
        // Fails the transaction if another client added the port since the select.
        { op: 'wait', table: 'Port', where: byName(spec.name), columns: ['name'], until: '==', rows: [], timeout: 0 },
        { op: 'insert', table: 'Interface', row: { name: spec.name, ...interfaceColumns(spec) }, 'uuid-name': 'iface' },
        { op: 'insert', table: 'Port', row: { name: spec.name, interfaces: namedUuid('iface') }, 'uuid-name': 'port' },
        { op: 'mutate', table: 'Bridge', where: byName(this.bridge), mutations: [['ports', 'insert', ovsdbSet([namedUuid('port')])]] },
      ]);
      // Without the bridge nothing references the new rows, and OVSDB dropped them again at commit.
      if (results[3]?.count !== 1) throw new OvsdbError(`cannot add port ${spec.name}: bridge ${this.bridge} does not exist`);
      try {
        return await this.ofport(spec.name);
      } catch (error) {
        await this.delete(spec.name); // a port OVS could not open (no such device) must not stay behind
        throw error;
      }
    }
    return this.ofport(spec.name);
  }

  /** Waits (in ovsdb-server, no polling) until ovs-vswitchd has numbered the interface, and returns the number. */
  async ofport(name: string): Promise<OfPort> {
    const [, selected] = await this.db.transact([
      { op: 'wait', table: 'Interface', where: byName(name), columns: ['ofport'], until: '!=', rows: [{ ofport: ovsdbSet([]) }],
        timeout: this.ofportTimeoutMs },
      { op: 'select', table: 'Interface', where: byName(name), columns: ['ofport', 'error'] },
    ]);
    const row = selected?.rows?.[0];
    const ofport = Number(setMembers(row?.ofport)[0]);
    if (!Number.isInteger(ofport) || ofport <= 0) {
      const reason = setMembers(row?.error)[0];
      throw new OvsdbError(`OVS gave port ${name} no usable ofport (${row ? ofport : 'no such interface'})`
        + (typeof reason === 'string' && reason ? `: ${reason}` : '; is the device present?'));
    }
    return ofPort(ofport);
  }

  /** Removes the port, its interface and its QoS rows in one transaction; succeeds if it is already gone. */
  async delete(name: string): Promise<void> {
    const port = await this.portRow(name);
    if (!port) return;
    const portUuid = port._uuid as ['uuid', string];
    await this.db.transact([
      { op: 'mutate', table: 'Bridge', where: [], mutations: [['ports', 'delete', ovsdbSet([portUuid])]] },
      { op: 'delete', table: 'Port', where: [['_uuid', '==', portUuid]] },
      ...deleting(await this.qosRows(port)),
    ]);
  }

  /** Caps traffic the switch sends out of the port (the pod's ingress) with a linux-htb QoS, replacing any other. */
  async setRateLimit(name: string, maxRateBps: number, burstBits: number): Promise<void> {
    const port = await this.portRow(name);
    if (!port) throw new OvsdbError(`cannot limit port ${name}: it does not exist`);
    const previous = await this.qosRows(port);
    await this.db.transact([
      // QoS and Queue are root tables: they would outlive a port that vanished meanwhile, so fail instead.
      { op: 'wait', table: 'Port', where: byName(name), columns: ['name'], until: '==', rows: [{ name }], timeout: 0 },
      { op: 'insert', table: 'Queue', 'uuid-name': 'q0',
        row: { other_config: ovsdbMap({ 'max-rate': String(maxRateBps), burst: String(burstBits) }) } },
      { op: 'insert', table: 'QoS', 'uuid-name': 'qos',
        row: { type: 'linux-htb', other_config: ovsdbMap({ 'max-rate': String(maxRateBps) }), queues: ['map', [[0, namedUuid('q0')]]] } },
      { op: 'update', table: 'Port', where: byName(name), row: { qos: namedUuid('qos') } },
      ...deleting(previous),
    ]);
  }

  private async portRow(name: string): Promise<OvsdbRow | undefined> {
    const [found] = await this.db.transact([{ op: 'select', table: 'Port', where: byName(name), columns: ['_uuid', 'qos'] }]);
    return found?.rows?.[0];
  }

  /** The port's QoS and Queue rows: root tables in OVSDB, so nothing removes them but an explicit delete. */
  private async qosRows(port: OvsdbRow | undefined): Promise<QosRow[]> {
    const [qos] = setMembers(port?.qos) as Array<['uuid', string]>;
    if (!qos) return [];
    const [found] = await this.db.transact([{ op: 'select', table: 'QoS', where: [['_uuid', '==', qos]], columns: ['queues'] }]);
    const queues = mapEntries(found?.rows?.[0]?.queues).map(([, queue]) => ['Queue', (queue as ['uuid', string])[1]] as QosRow);
    return [['QoS', qos[1]], ...queues];
  }
}

function deleting(rows: readonly QosRow[]): OvsdbOperation[] {
  return rows.map(([table, id]) => ({ op: 'delete', table, where: [['_uuid', '==', uuid(id)]] }));
}
