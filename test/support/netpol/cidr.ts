// CIDR blocks and addresses for ipBlock, IPv4 and IPv6, through the ip-address library.
import { Address4, Address6 } from 'ip-address';

export type Cidr = Address4 | Address6;

/**
 * Parses "a.b.c.d/n" or "x::/n". A prefix is required, as for net.ParseCIDR; host bits may be set
 * ("10.1.2.3/4" is the /4 network around 10.1.2.3), as netutils.ParseCIDRSloppy accepts them.
 */
export function parseCidr(text: string): Cidr | undefined {
  if (!text.includes('/')) return undefined;
  const Family = text.includes(':') ? Address6 : Address4;
  return Family.isValid(text) ? new Family(text) : undefined;
}

export function parseAddress(text: string): Cidr | undefined {
  if (text.includes('/')) return undefined;
  const Family = text.includes(':') ? Address6 : Address4;
  return Family.isValid(text) ? new Family(text) : undefined;
}

/** An address of the other family is never inside. */
export function cidrContains(cidr: Cidr, address: Cidr): boolean {
  if (cidr instanceof Address4 !== address instanceof Address4) return false;
  return address.isInSubnet(cidr as never);
}

/** True when `inner` lies inside `outer` and is smaller: what validation requires of `except`. */
export function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  return cidrContains(outer, inner) && inner.subnetMask > outer.subnetMask;
}
