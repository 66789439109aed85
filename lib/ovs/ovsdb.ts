// A JSON-RPC client for ovsdb-server (RFC 7047) on its unix socket: one kept connection, so a port
// change costs a round trip instead of an ovs-vsctl process (about 10 ms each, several per pod).
import net from 'node:net';

/** An OVSDB value on the wire: an atom, ["set", [...]], ["map", [[k, v], ...]], ["uuid", u] or ["named-uuid", n]. */
export type OvsdbValue = string | number | boolean | [string, unknown];
export type OvsdbRow = Record<string, OvsdbValue>;
export type OvsdbCondition = [column: string, op: '==' | '!=' | 'includes' | 'excludes', value: OvsdbValue];

export type OvsdbOperation =
  | { op: 'select'; table: string; where: OvsdbCondition[]; columns?: string[] }
  | { op: 'insert'; table: string; row: OvsdbRow; 'uuid-name'?: string }
  | { op: 'update'; table: string; where: OvsdbCondition[]; row: OvsdbRow }
  | { op: 'mutate'; table: string; where: OvsdbCondition[]; mutations: Array<[string, 'insert' | 'delete', OvsdbValue]> }
  | { op: 'delete'; table: string; where: OvsdbCondition[] }
  | { op: 'wait'; table: string; where: OvsdbCondition[]; columns: string[]; until: '==' | '!='; rows: OvsdbRow[]; timeout: number };

export interface OvsdbResult {
  rows?: OvsdbRow[];
  uuid?: ['uuid', string];
  count?: number;
  error?: string;
  details?: string;
}

/** ovsdb-server refused a transaction or could not be reached. */
export class OvsdbError extends Error {
  override name = 'OvsdbError';
}

export const uuid = (id: string): ['uuid', string] => ['uuid', id];
export const namedUuid = (name: string): ['named-uuid', string] => ['named-uuid', name];
export const ovsdbSet = (values: readonly unknown[]): ['set', unknown[]] => ['set', [...values]];
export const ovsdbMap = (entries: Record<string, string | ['named-uuid', string] | ['uuid', string]>): ['map', unknown[]] =>
  ['map', Object.entries(entries)];

/** The members of a set column: OVSDB writes a one-member set as the bare atom. */
export function setMembers(value: OvsdbValue | undefined): unknown[] {
  if (Array.isArray(value) && value[0] === 'set') return value[1] as unknown[];
  return value === undefined ? [] : [value];
}

/** A map column as pairs. */
export function mapEntries(value: OvsdbValue | undefined): Array<[unknown, unknown]> {
  return Array.isArray(value) && value[0] === 'map' ? (value[1] as Array<[unknown, unknown]>) : [];
}

/** Row changes of a monitored table: per row UUID its old and/or new columns (RFC 7047 table-updates). */
export type TableUpdates = Record<string, { old?: OvsdbRow; new?: OvsdbRow }>;

/** A table followed with RFC 7047 `monitor`: `update` gets each change, `lost` the end of the connection. */
export interface MonitorHandlers {
  update(rows: TableUpdates): void;
  lost(error: OvsdbError): void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Splits a stream of back-to-back JSON texts (ovsdb-server sends no delimiters) into whole messages. */
export class JsonStreamSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scanned = 0;

  push(chunk: string): string[] {
    this.buffer += chunk;
    const messages: string[] = [];
    let start = 0;
    for (let i = this.scanned; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth += 1;
      else if (c === '}' || c === ']') {
        this.depth -= 1;
        if (this.depth === 0) {
          messages.push(this.buffer.slice(start, i + 1).trim());
          start = i + 1;
        }
      }
    }
    this.buffer = this.buffer.slice(start);
    this.scanned = this.buffer.length;
    return messages;
  }
}

export class OvsdbClient {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly monitors = new Map<string, MonitorHandlers>();
  private nextId = 1;

  constructor(
    private readonly socketPath: string,
    private readonly options: { database?: string; timeoutMs?: number } = {},
  ) {}

  /** Runs the operations as one transaction; throws OvsdbError naming the first failed operation. */
  async transact(operations: readonly OvsdbOperation[]): Promise<OvsdbResult[]> {
    const results = (await this.call('transact', [this.options.database ?? 'Open_vSwitch', ...operations])) as Array<OvsdbResult | null>;
    const failed = results.findIndex((result) => result?.error);
    if (failed >= 0) {
      const { error, details } = results[failed]!;
      const where = failed < operations.length ? `${operations[failed]!.op} on ${operations[failed]!.table}` : 'commit';
      throw new OvsdbError(`OVSDB ${where} failed: ${error}${details ? ` (${details})` : ''}`);
    }
    return results.slice(0, operations.length) as OvsdbResult[];
  }

  /**
   * Follows `table`: resolves with its rows now, then hands `handlers.update` every change until the
   * connection ends (`handlers.lost`; monitor again to go on).
   */
  async monitor(table: string, columns: readonly string[], handlers: MonitorHandlers): Promise<TableUpdates> {
    const id = `monitor-${this.nextId++}`;
    this.monitors.set(id, handlers);
    try {
      const initial = await this.call('monitor', [this.options.database ?? 'Open_vSwitch', id, { [table]: { columns } }]);
      return ((initial ?? {}) as Record<string, TableUpdates>)[table] ?? {};
    } catch (error) {
      this.monitors.delete(id);
      throw error;
    }
  }

  close(): void {
    this.drop(new OvsdbError('OVSDB connection closed'));
  }

  private async call(method: string, params: unknown[]): Promise<unknown> {
    const socket = await this.connect();
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // A reply that never came leaves the stream in an unknown state: start over on a new connection.
        this.drop(new OvsdbError(`ovsdb-server at ${this.socketPath} did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.ref();
      socket.write(JSON.stringify({ method, params, id }));
    });
  }

  private connect(): Promise<net.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const socket = net.createConnection(this.socketPath);
      const splitter = new JsonStreamSplitter();
      socket.setEncoding('utf8');
      socket.once('connect', () => {
        this.socket = socket;
        this.connecting = undefined;
        socket.unref();
        resolve(socket);
      });
      socket.on('data', (chunk: string) => {
        for (const text of splitter.push(chunk)) this.receive(socket, text);
      });
      socket.on('error', (error) => {
        if (this.socket !== socket) {
          this.connecting = undefined;
          reject(new OvsdbError(`cannot reach ovsdb-server at ${this.socketPath}: ${error.message}`));
        }
        this.drop(new OvsdbError(`OVSDB connection to ${this.socketPath} failed: ${error.message}`), socket);
      });
      socket.on('close', () => this.drop(new OvsdbError(`ovsdb-server at ${this.socketPath} closed the connection`), socket));
    });
    return this.connecting;
  }

  private receive(socket: net.Socket, text: string): void {
    let message: { id?: unknown; method?: string; params?: unknown; result?: unknown; error?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.drop(new OvsdbError(`ovsdb-server sent something that is not JSON: ${text.slice(0, 80)}`), socket);
      return;
    }
    if (message.method === 'echo') {
      socket.write(JSON.stringify({ result: message.params, error: null, id: message.id }));
      return;
    }
    if (message.method === 'update' && Array.isArray(message.params)) {
      const [id, updates] = message.params as [unknown, Record<string, TableUpdates> | undefined];
      const handlers = typeof id === 'string' ? this.monitors.get(id) : undefined;
      for (const rows of Object.values(updates ?? {})) handlers?.update(rows);
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) return;
    this.pending.delete(message.id as number);
    clearTimeout(pending.timer);
    if (this.pending.size === 0) socket.unref();
    if (message.error) pending.reject(new OvsdbError(`OVSDB request failed: ${JSON.stringify(message.error)}`));
    else pending.resolve(message.result);
  }

  /** Forgets the connection and fails what waits on it; the next call connects afresh. */
  private drop(error: OvsdbError, socket = this.socket): void {
    if (socket !== this.socket && this.socket) {
      socket?.destroy(); // a late event of a connection already replaced: nothing waits on it
      return;
    }
    this.socket = undefined;
    socket?.destroy();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
    const monitors = [...this.monitors.values()];
    this.monitors.clear();
    for (const handlers of monitors) handlers.lost(error);
  }
}
