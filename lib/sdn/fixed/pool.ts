// IP pool records (`<Name>/ippools/<pool>`) and the master's verdict on each (`<Name>/ippool-status/<pool>`).
import { AddressError, Cidr, type Ipv4, intToIpv4, ipv4ToInt } from '../../net/ipv4.js';
import { RecordError, isNamespaceName, leafOf, readRecord } from '../records.js';
import type { WireObject } from '../wire.js';
import { type AddressRange, addressAt, formatRange, inRange, parseRange, rangeOfCidr, rangeSize, rangesOverlap } from './ranges.js';

/** Every namespace may use the pool. */
export const ANY_NAMESPACE = '*';

export interface IpPool {
  readonly name: string;
  /** The CIDR the pool was written as; null for a list of ranges. */
  readonly cidr: Cidr | null;
  /** The addresses it hands out, in order: a CIDR's without its first and last address. */
  readonly ranges: readonly AddressRange[];
  /** Namespaces whose pods may take its addresses; `*` for all. */
  readonly namespaces: readonly string[];
}

export type PoolState = 'Accepted' | 'Refused';

/** The master's verdict on one version (`revision`: the pool key's mod revision) of a pool. */
export interface IpPoolStatus {
  readonly revision: number;
  readonly state: PoolState;
  readonly reason: string;
  readonly time: string;
}

/** Pool names appear in annotations and keys: a DNS label, like a namespace. */
export function isPoolName(name: string): boolean {
  return isNamespaceName(name);
}

/** readRecord, with a bad address in the record reported as the record's error too. */
function wire<T>(key: string, text: string, build: (json: WireObject) => T): T {
  return readRecord(key, text, (json) => {
    try {
      return build(json);
    } catch (error) {
      if (error instanceof AddressError) throw new RecordError(key, '(address)', undefined, error.message);
      throw error;
    }
  });
}

function stringList(key: string, json: WireObject, field: string): string[] | undefined {
  const value = json.raw(field);
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw new RecordError(key, field, value, `${field}: ${JSON.stringify(value)} is not a list of strings`);
  }
  return value as string[];
}

/** Parses a pool and checks it against the cluster network; a RecordError names the field at fault. */
export function parseIpPool(key: string, text: string, network: Cidr): IpPool {
  return wire(key, text, (json) => {
    const name = leafOf(key);
    if (!isPoolName(name)) throw new RecordError(key, '(key)', name, `pool name "${name}" is not a DNS label (a-z, 0-9, '-')`);
    const written = json.string('Name', { optional: true });
    if (written !== '' && written !== name) throw new RecordError(key, 'Name', written, `Name "${written}" does not match the key`);
    const cidrText = json.string('CIDR', { optional: true });
    const rangeTexts = stringList(key, json, 'Ranges');
    if ((cidrText === '') === (rangeTexts === undefined || rangeTexts.length === 0)) {
      throw new RecordError(key, 'CIDR', cidrText, 'give either CIDR or a non-empty Ranges list');
    }
    let cidr: Cidr | null = null;
    let ranges: AddressRange[];
    if (cidrText !== '') {
      cidr = Cidr.parse(cidrText, 'CIDR');
      const whole = rangeOfCidr(cidr);
      ranges = [cidr.prefixLength >= 31 ? whole : { first: whole.first + 1, last: whole.last - 1 }];
    } else {
      ranges = rangeTexts!.map((entry, index) => parseRange(entry, `Ranges[${index}]`));
    }
    checkInside(key, ranges, network, cidr);
    const namespaces = stringList(key, json, 'Namespaces') ?? [];
    if (namespaces.length === 0) {
      throw new RecordError(key, 'Namespaces', namespaces, `Namespaces is empty: list the namespaces that may use the pool, or "${ANY_NAMESPACE}"`);
    }
    const bad = namespaces.find((ns) => ns !== ANY_NAMESPACE && !isNamespaceName(ns));
    if (bad !== undefined) throw new RecordError(key, 'Namespaces', bad, `Namespaces: "${bad}" is not a namespace name`);
    return { name, cidr, ranges, namespaces };
  });
}

function checkInside(key: string, ranges: readonly AddressRange[], network: Cidr, cidr: Cidr | null): void {
  const field = cidr ? 'CIDR' : 'Ranges';
  const cluster = rangeOfCidr(network);
  ranges.forEach((range, index) => {
    const where = cidr ? cidr.toString() : formatRange(range);
    if (range.first < cluster.first || range.last > cluster.last) {
      throw new RecordError(key, field, where, `${field}: ${where} is not inside the cluster network ${network.toString()}`);
    }
    if (inRange(range, network.network) || inRange(range, intToIpv4(cluster.last))) {
      throw new RecordError(key, field, where, `${field}: ${where} holds the network or broadcast address of ${network.toString()}`);
    }
    const other = ranges.findIndex((r, i) => i !== index && rangesOverlap(r, range));
    if (other >= 0) throw new RecordError(key, field, where, `Ranges[${index}] and Ranges[${other}] overlap`);
  });
}

export function serializeIpPool(pool: IpPool): string {
  return JSON.stringify({
    Name: pool.name,
    ...(pool.cidr ? { CIDR: pool.cidr.toString() } : { Ranges: pool.ranges.map(formatRange) }),
    Namespaces: pool.namespaces,
  });
}

export function poolSize(pool: IpPool): number {
  return pool.ranges.reduce((sum, range) => sum + rangeSize(range), 0);
}

export function poolContains(pool: IpPool, ip: Ipv4 | string): boolean {
  return pool.ranges.some((range) => inRange(range, ip));
}

/** Whether `ip` lies in the pool's CIDR or ranges, its reserved first and last CIDR address included. */
export function poolCovers(pool: IpPool, ip: Ipv4 | string): boolean {
  return pool.cidr ? pool.cidr.contains(ip) : poolContains(pool, ip);
}

export function poolAllows(pool: IpPool, namespace: string): boolean {
  return pool.namespaces.includes(ANY_NAMESPACE) || pool.namespaces.includes(namespace);
}

/** The pool's `n`-th address (0-based), or undefined past its end. */
export function poolAddress(pool: IpPool, n: number): Ipv4 | undefined {
  return addressAt(pool.ranges, n);
}

/** What the pool's CIDR reserves at `ip` (its network or broadcast address), if anything. */
export function reservedByPool(pool: IpPool, ip: Ipv4): string | undefined {
  if (!pool.cidr || pool.cidr.prefixLength >= 31 || !pool.cidr.contains(ip)) return undefined;
  const index = ipv4ToInt(ip) - pool.cidr.base;
  if (index === 0) return `the network address of pool ${pool.name} (${pool.cidr.toString()})`;
  if (index === pool.cidr.size - 1) return `the broadcast address of pool ${pool.name} (${pool.cidr.toString()})`;
  return undefined;
}

export function describePool(pool: IpPool): string {
  return pool.cidr ? pool.cidr.toString() : pool.ranges.map(formatRange).join(',');
}

export function serializeIpPoolStatus(status: IpPoolStatus): string {
  return JSON.stringify({ Revision: status.revision, State: status.state, Reason: status.reason, Time: status.time });
}

export function parseIpPoolStatus(key: string, text: string): IpPoolStatus {
  return wire(key, text, (json) => {
    const state = json.string('State');
    if (state !== 'Accepted' && state !== 'Refused') throw new RecordError(key, 'State', state, `State "${state}" is not Accepted or Refused`);
    return { revision: json.integer('Revision'), state, reason: json.string('Reason', { optional: true }), time: json.string('Time', { optional: true }) };
  });
}
