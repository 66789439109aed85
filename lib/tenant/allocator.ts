// The pool of assignable VNIDs: which are taken, which is handed out next.
import { NextFitPool } from '../next-fit.js';
import { MAX_VNID, MIN_VNID, type Vnid } from './vnid.js';

export interface VnidRange {
  min: number;
  max: number;
}

/**
 * Hands out VNIDs next-fit (after the last one handed out, wrapping), so a VNID just released
 * is not given to the next namespace while nodes may still hold flows for it.
 */
export class VnidAllocator {
  private readonly pool: NextFitPool;

  constructor(readonly range: VnidRange = { min: MIN_VNID, max: MAX_VNID }) {
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) ||
        range.min < MIN_VNID || range.max > MAX_VNID || range.min > range.max) {
      throw new RangeError(`VNID range ${range.min}..${range.max} must lie within ${MIN_VNID}..${MAX_VNID}`);
    }
    this.pool = new NextFitPool(range.min, range.max, {
      member: (vnid) => `VNID ${vnid}`,
      full: (capacity) => `all ${capacity} VNIDs of ${range.min}..${range.max} are in use`,
      outOfRange: (vnid) => `VNID ${vnid} is outside ${range.min}..${range.max}`,
    });
  }

  get capacity(): number {
    return this.pool.capacity;
  }

  get used(): number {
    return this.pool.used;
  }

  inRange(vnid: number): boolean {
    return this.pool.inRange(vnid);
  }

  isAllocated(vnid: number): boolean {
    return this.pool.isTaken(vnid);
  }

  allocate(): Vnid {
    return this.pool.allocate() as Vnid;
  }

  /** Marks a specific VNID as in use, e.g. one found in etcd at start. */
  claim(vnid: Vnid): void {
    this.pool.claim(vnid);
  }

  /** Returns a VNID to the pool; false if it was not allocated. */
  release(vnid: Vnid): boolean {
    return this.pool.release(vnid);
  }

  allocated(): Vnid[] {
    return this.pool.allocated() as Vnid[];
  }
}
