// The pool of assignable VNIDs: which are taken, which is handed out next.
import { MAX_VNID, MIN_VNID, type Vnid } from './vnid.js';

/** Base of the allocator's fixed errors. */
export class VnidAllocationError extends Error {
  override name = 'VnidAllocationError';
}

/** Every VNID of the range is in use. */
export class VnidPoolFullError extends VnidAllocationError {
  override name = 'VnidPoolFullError';
}

/** The VNID lies outside the range this allocator hands out. */
export class VnidOutOfRangeError extends VnidAllocationError {
  override name = 'VnidOutOfRangeError';
}

/** The VNID is already allocated. */
export class VnidTakenError extends VnidAllocationError {
  override name = 'VnidTakenError';
}

export interface VnidRange {
  min: number;
  max: number;
}

/**
 * Hands out VNIDs next-fit (after the last one handed out, wrapping), so a VNID just released
 * is not given to the next namespace while nodes may still hold flows for it.
 */
export class VnidAllocator {
  private readonly taken = new Set<number>();
  private next: number;

  constructor(readonly range: VnidRange = { min: MIN_VNID, max: MAX_VNID }) {
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) ||
        range.min < MIN_VNID || range.max > MAX_VNID || range.min > range.max) {
      throw new RangeError(`VNID range ${range.min}..${range.max} must lie within ${MIN_VNID}..${MAX_VNID}`);
    }
    this.next = range.min;
  }

  get capacity(): number {
    return this.range.max - this.range.min + 1;
  }

  get used(): number {
    return this.taken.size;
  }

  inRange(vnid: number): boolean {
    return vnid >= this.range.min && vnid <= this.range.max;
  }

  isAllocated(vnid: number): boolean {
    return this.taken.has(vnid);
  }

  allocate(): Vnid {
    if (this.taken.size >= this.capacity) {
      throw new VnidPoolFullError(`all ${this.capacity} VNIDs of ${this.range.min}..${this.range.max} are in use`);
    }
    let candidate = this.next;
    while (this.taken.has(candidate)) {
      candidate = candidate === this.range.max ? this.range.min : candidate + 1;
    }
    this.taken.add(candidate);
    this.next = candidate === this.range.max ? this.range.min : candidate + 1;
    return candidate as Vnid;
  }

  /** Marks a specific VNID as in use, e.g. one found in etcd at start. */
  claim(vnid: Vnid): void {
    if (!this.inRange(vnid)) {
      throw new VnidOutOfRangeError(`VNID ${vnid} is outside ${this.range.min}..${this.range.max}`);
    }
    if (this.taken.has(vnid)) throw new VnidTakenError(`VNID ${vnid} is already in use`);
    this.taken.add(vnid);
  }

  /** Returns a VNID to the pool; false if it was not allocated. */
  release(vnid: Vnid): boolean {
    return this.taken.delete(vnid);
  }

  allocated(): Vnid[] {
    return [...this.taken].sort((a, b) => a - b) as Vnid[];
  }
}
