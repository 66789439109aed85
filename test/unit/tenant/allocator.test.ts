import { expect } from 'chai';
import { OutOfRangeError, PoolFullError, TakenError } from '../../../lib/next-fit.js';
import { VnidAllocator } from '../../../lib/tenant/allocator.js';
import { MAX_VNID, MIN_VNID, type Vnid } from '../../../lib/tenant/vnid.js';

describe('VNID allocator', () => {
  it('hands out VNIDs from 10 upwards by default', () => {
    const allocator = new VnidAllocator();
    expect(allocator.allocate()).to.equal(MIN_VNID);
    expect(allocator.allocate()).to.equal(MIN_VNID + 1);
    expect(allocator.capacity).to.equal(MAX_VNID - MIN_VNID + 1);
  });

  it('fails with fixed errors: full, out of range, taken', () => {
    const allocator = new VnidAllocator({ min: 10, max: 11 });
    allocator.allocate();
    allocator.allocate();
    expect(() => allocator.allocate()).to.throw(PoolFullError);
    expect(() => allocator.claim(12 as Vnid)).to.throw(OutOfRangeError);
    expect(() => allocator.claim(0 as Vnid)).to.throw(OutOfRangeError);
    expect(() => allocator.claim(10 as Vnid)).to.throw(TakenError);
  });

  it('reuses a released VNID only after the rest of the range (next-fit)', () => {
    const allocator = new VnidAllocator({ min: 10, max: 12 });
    const first = allocator.allocate();
    allocator.release(first);
    expect(allocator.allocate()).to.equal(11);
    expect(allocator.allocate()).to.equal(12);
    expect(allocator.allocate()).to.equal(10);
  });

  it('refuses a range outside the assignable VNIDs', () => {
    expect(() => new VnidAllocator({ min: 1, max: 20 })).to.throw(RangeError);
    expect(() => new VnidAllocator({ min: 20, max: 10 })).to.throw(RangeError);
  });
});
