// Flow cookies: the top byte names the owner's category, the rest identifies one owner within it.
import { createHash } from 'node:crypto';

export type Cookie = bigint & { readonly __brand?: 'Cookie' };

const ID_BITS = 56n;
const ID_MASK = (1n << ID_BITS) - 1n;
export const ALL_BITS = (1n << 64n) - 1n;
/** The category byte: `cookie=<category cookie>/CATEGORY_MASK` selects every flow of one owner kind. */
export const CATEGORY_MASK = ALL_BITS ^ ID_MASK;

/** Owner cookie for a category (1..255) and a key unique within it (hashed to 56 bits). */
export function ownerCookie(category: number, key: string): Cookie {
  if (!Number.isInteger(category) || category < 1 || category > 255) {
    throw new RangeError(`cookie category ${category} is outside 1..255`);
  }
  const digest = createHash('sha256').update(key).digest();
  return (BigInt(category) << ID_BITS) | (digest.readBigUInt64BE(0) & ID_MASK);
}

export function cookieCategory(cookie: Cookie): number {
  return Number(cookie >> ID_BITS);
}

export function renderCookie(cookie: Cookie): string {
  return `0x${cookie.toString(16)}`;
}
