// The VNID value type: the tenant ID carried in flows and as the VXLAN key.

/** A virtual network ID: 0 is global, 1..9 reserved, 10..2^24-1 assignable. */
export type Vnid = number & { readonly __brand: 'Vnid' };

export const GLOBAL_VNID = 0 as Vnid;
export const MIN_VNID = 10;
export const MAX_VNID = 0xffffff;

export class VnidRangeError extends Error {
  override name = 'VnidRangeError';
}

/** Accepts 0 and MIN_VNID..MAX_VNID; `field` names where the value came from. */
export function parseVnid(value: unknown, field = 'NetID'): Vnid {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new VnidRangeError(`${field}: ${JSON.stringify(value)} is not an integer VNID`);
  }
  if (value !== GLOBAL_VNID && (value < MIN_VNID || value > MAX_VNID)) {
    throw new VnidRangeError(
      `${field}: ${value} is out of range (0 for global, or ${MIN_VNID}..${MAX_VNID})`);
  }
  return value as Vnid;
}
