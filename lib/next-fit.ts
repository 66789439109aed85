// Next-fit allocation over a range of numbers (VNIDs, node subnet indices): after the last one handed out,
// wrapping, so a number just released is the last to be handed out again while others may still use it.

/** Base of the pool's fixed errors. */
export class AllocationError extends Error {
  override name = 'AllocationError';
}

/** Every number of the range is in use. */
export class PoolFullError extends AllocationError {
  override name = 'PoolFullError';
}

/** The value is not one of the range's (outside it, or of the wrong shape). */
export class OutOfRangeError extends AllocationError {
  override name = 'OutOfRangeError';
}

/** The value is already allocated. */
export class TakenError extends AllocationError {
  override name = 'TakenError';
}

/** How errors name the pool and its members, e.g. "VNID 12", "all 4 VNIDs of 10..13". */
export interface PoolWording {
  member(n: number): string;
  /** `blocked`: free numbers that are blocked (not taken, never handed out). */
  full(capacity: number, blocked: number): string;
  outOfRange(n: number): string;
}

export class NextFitPool {
  private readonly taken = new Set<number>();
  /** Numbers never handed out (nor counted as free), though not taken either. */
  private blocked = new Set<number>();
  private next: number;

  constructor(readonly first: number, readonly last: number, private readonly wording: PoolWording) {
    if (!Number.isInteger(first) || !Number.isInteger(last) || first > last) throw new RangeError(`bad range ${first}..${last}`);
    this.next = first;
  }

  get capacity(): number {
    return this.last - this.first + 1;
  }

  get used(): number {
    return this.taken.size;
  }

  inRange(n: number): boolean {
    return Number.isInteger(n) && n >= this.first && n <= this.last;
  }

  isTaken(n: number): boolean {
    return this.taken.has(n);
  }

  /** Replaces the blocked numbers. */
  block(numbers: Iterable<number>): void {
    this.blocked = new Set(numbers);
  }

  isBlocked(n: number): boolean {
    return this.blocked.has(n);
  }

  allocate(): number {
    const blocked = [...this.blocked].filter((n) => this.inRange(n) && !this.taken.has(n)).length;
    if (this.taken.size + blocked >= this.capacity) throw new PoolFullError(this.wording.full(this.capacity, blocked));
    let candidate = this.next;
    while (this.taken.has(candidate) || this.blocked.has(candidate)) candidate = this.after(candidate);
    this.taken.add(candidate);
    this.next = this.after(candidate);
    return candidate;
  }

  /** Marks a specific number as in use, e.g. one found in etcd at start. */
  claim(n: number): void {
    if (!this.inRange(n)) throw new OutOfRangeError(this.wording.outOfRange(n));
    if (this.taken.has(n)) throw new TakenError(`${this.wording.member(n)} is already in use`);
    this.taken.add(n);
  }

  /** Returns a number to the pool; false if it was not allocated. */
  release(n: number): boolean {
    return this.taken.delete(n);
  }

  allocated(): number[] {
    return [...this.taken].sort((a, b) => a - b);
  }

  private after(n: number): number {
    return n === this.last ? this.first : n + 1;
  }
}
