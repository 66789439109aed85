// Inclusive IPv4 address ranges: the address sets of IP pools.
import { AddressError, Cidr, type Ipv4, intToIpv4, ipv4ToInt, parseIpv4 } from '../../net/ipv4.js';

/** `first`..`last` inclusive, as 32-bit integers. */
export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

export function rangeSize(range: AddressRange): number {
  return range.last - range.first + 1;
}

export function rangeOfCidr(cidr: Cidr): AddressRange {
  return { first: cidr.base, last: cidr.base + cidr.size - 1 };
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function inRange(range: AddressRange, ip: Ipv4 | string): boolean {
  const value = ipv4ToInt(ip);
  return value >= range.first && value <= range.last;
}

export function formatRange(range: AddressRange): string {
  return range.first === range.last ? intToIpv4(range.first) : `${intToIpv4(range.first)}-${intToIpv4(range.last)}`;
}

/** `A` or `A-B` (inclusive); throws AddressError naming `field`. */
export function parseRange(text: string, field: string): AddressRange {
  if (typeof text !== 'string') throw new AddressError(`${field}: ${JSON.stringify(text)} is not an address range`);
  const [start = '', end, extra] = text.split('-').map((part) => part.trim());
  if (extra !== undefined) throw new AddressError(`${field}: "${text}" is not an address or FIRST-LAST range`);
  const first = ipv4ToInt(parseIpv4(start, field));
  const last = end === undefined ? first : ipv4ToInt(parseIpv4(end, field));
  if (last < first) throw new AddressError(`${field}: "${text}" ends before it starts`);
  return { first, last };
}

/** The `n`-th address of a list of ranges, counting from 0 in list order. */
export function addressAt(ranges: readonly AddressRange[], n: number): Ipv4 | undefined {
  let left = n;
  for (const range of ranges) {
    if (left < rangeSize(range)) return intToIpv4(range.first + left);
    left -= rangeSize(range);
  }
  return undefined;
}

/** The node subnets (of `subnetPrefixLength` in `network`) that share an address with `range`, by index. */
export function subnetIndexesOf(range: AddressRange, network: Cidr, subnetPrefixLength: number): number[] {
  const size = 2 ** (32 - subnetPrefixLength);
  const first = Math.max(range.first, network.base);
  const last = Math.min(range.last, network.base + network.size - 1);
  if (first > last) return [];
  const from = Math.floor((first - network.base) / size);
  const to = Math.floor((last - network.base) / size);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
