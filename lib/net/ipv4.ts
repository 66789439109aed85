// IPv4 addresses and CIDR blocks as validated values; parsing is delegated to ip-address.
import { Address4 } from 'ip-address';

/** A dotted-quad IPv4 address that has been validated. */
export type Ipv4 = string & { readonly __brand: 'Ipv4' };

export class AddressError extends Error {
  override name = 'AddressError';
}

export function parseIpv4(text: string, field = 'address'): Ipv4 {
  if (typeof text !== 'string' || !Address4.isValid(text) || text.includes('/')) {
    throw new AddressError(`${field}: "${String(text)}" is not an IPv4 address`);
  }
  return new Address4(text).correctForm() as Ipv4;
}

/** The address, or undefined for anything that is not one (a file name, an IPv6 address): never throws. */
export function ipv4OrUndefined(text: string | null | undefined): Ipv4 | undefined {
  return typeof text === 'string' && Address4.isValid(text) && !text.includes('/') ? parseIpv4(text) : undefined;
}

export function ipv4ToInt(ip: Ipv4 | string): number {
  return Number(new Address4(ip).bigInt());
}

export function intToIpv4(value: number): Ipv4 {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.') as Ipv4;
}

/** An IPv4 network: the address is always the network address (host bits zero). */
export class Cidr {
  private constructor(
    readonly base: number,
    readonly prefixLength: number,
  ) {}

  static parse(text: string, field = 'CIDR'): Cidr {
    if (typeof text !== 'string' || !text.includes('/') || !Address4.isValid(text)) {
      throw new AddressError(`${field}: "${String(text)}" is not an IPv4 CIDR`);
    }
    const address = new Address4(text);
    const base = Number(address.bigInt());
    if ((base & Cidr.mask(address.subnetMask)) >>> 0 !== base) {
      throw new AddressError(`${field}: "${text}" has host bits set (network is ${intToIpv4(
        (base & Cidr.mask(address.subnetMask)) >>> 0)}/${address.subnetMask})`);
    }
    return new Cidr(base, address.subnetMask);
  }

  static of(base: number, prefixLength: number): Cidr {
    return new Cidr((base & Cidr.mask(prefixLength)) >>> 0, prefixLength);
  }

  private static mask(prefixLength: number): number {
    return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  }

  get size(): number {
    return 2 ** (32 - this.prefixLength);
  }

  get network(): Ipv4 {
    return intToIpv4(this.base);
  }

  /** The n-th address of the block (0 is the network address). */
  address(n: number): Ipv4 {
    if (n < 0 || n >= this.size) throw new AddressError(`${n} is outside ${this.toString()}`);
    return intToIpv4((this.base + n) >>> 0);
  }

  indexOf(ip: Ipv4 | string): number {
    return ipv4ToInt(ip) - this.base;
  }

  contains(ip: Ipv4 | string): boolean {
    const index = this.indexOf(ip);
    return index >= 0 && index < this.size;
  }

  overlaps(other: Cidr): boolean {
    return this.contains(other.network) || other.contains(this.network);
  }

  equals(other: Cidr): boolean {
    return this.base === other.base && this.prefixLength === other.prefixLength;
  }

  toString(): string {
    return `${this.network}/${this.prefixLength}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** The addresses of `block` that none of `holes` contains, as the fewest disjoint CIDRs (ipBlock minus except). */
export function subtractCidrs(block: Cidr, holes: readonly Cidr[]): Cidr[] {
  const inside = holes.filter((hole) => hole.overlaps(block));
  if (inside.length === 0) return [block];
  if (inside.some((hole) => hole.prefixLength <= block.prefixLength)) return [];
  const half = block.prefixLength + 1;
  const low = Cidr.of(block.base, half);
  const high = Cidr.of(block.base + 2 ** (32 - half), half);
  return [...subtractCidrs(low, inside), ...subtractCidrs(high, inside)];
}
