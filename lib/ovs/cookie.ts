// Flow cookies: the top byte names the owner's category, the rest identifies one owner within it.
import { createHash } from 'node:crypto';

export type Cookie = bigint & { readonly __brand?: 'Cookie' };

const ID_BITS = 56n;
const ID_MASK = (1n << ID_BITS) - 1n;
export const ALL_BITS = (1n << 64n) - 1n;
/** The category byte: `cookie=<category cookie>/CATEGORY_MASK` selects every flow of one owner kind. */
export const CATEGORY_MASK = ALL_BITS ^ ID_MASK;

/**
 * Cookies already hashed: a resync renders every flow again, and one sha256 per flow was a tenth of the daemon's
 * restart CPU at 5,000 nodes (bench scale-growth profile). Emptied when full, so churned owners cannot grow it.
 */
const known = new Map<string, Cookie>();
export const KNOWN_COOKIES_MAX = 100_000;

/** Owner cookie for a category (1..255) and a key unique within it (hashed to 56 bits). */
export function ownerCookie(category: number, key: string): Cookie {
  if (!Number.isInteger(category) || category < 1 || category > 255) {
    throw new RangeError(`cookie category ${category} is outside 1..255`);
  }
  const name = `${category}/${key}`;
  const cached = known.get(name);
  if (cached !== undefined) return cached;
  const digest = createHash('sha256').update(key).digest();
  const cookie: Cookie = (BigInt(category) << ID_BITS) | (digest.readBigUInt64BE(0) & ID_MASK);
  if (known.size >= KNOWN_COOKIES_MAX) known.clear();
  known.set(name, cookie);
  return cookie;
}

/** How many cookies are kept hashed (for tests). */
export function knownCookies(): number {
  return known.size;
}

export function cookieCategory(cookie: Cookie): number {
  return Number(cookie >> ID_BITS);
}

export function renderCookie(cookie: Cookie): string {
  return `0x${cookie.toString(16)}`;
}
