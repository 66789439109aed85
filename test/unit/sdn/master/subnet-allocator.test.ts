import { expect } from 'chai';
import fc from 'fast-check';
import { Cidr } from '../../../../lib/net/ipv4.js';
import { OutOfRangeError, PoolFullError, TakenError } from '../../../../lib/next-fit.js';
import { SubnetAllocator } from '../../../../lib/sdn/master/subnet-allocator.js';

describe('node subnet allocator', () => {
  it('carves /23 subnets out of a /14 for HostSubnetLength 9', () => {
    const allocator = new SubnetAllocator(Cidr.parse('10.128.0.0/14'), 9);
    expect(allocator.capacity).to.equal(512);
    expect(allocator.allocate().toString()).to.equal('10.128.0.0/23');
    expect(allocator.allocate().toString()).to.equal('10.128.2.0/23');
  });

  it('reports a full pool, a taken subnet and a subnet that is not a node subnet', () => {
    const allocator = new SubnetAllocator(Cidr.parse('10.0.0.0/24'), 6);
    for (let i = 0; i < 4; i++) allocator.allocate();
    expect(() => allocator.allocate()).to.throw(PoolFullError);
    expect(() => allocator.claim(Cidr.parse('10.0.0.64/26'))).to.throw(TakenError);
    expect(() => allocator.claim(Cidr.parse('10.0.1.0/26'))).to.throw(OutOfRangeError);
    expect(() => allocator.claim(Cidr.parse('10.0.0.0/25'))).to.throw(OutOfRangeError);
  });

  it('hands out a released subnet only after the others (next-fit)', () => {
    const allocator = new SubnetAllocator(Cidr.parse('10.0.0.0/24'), 6);
    const first = allocator.allocate();
    allocator.allocate();
    allocator.release(first);
    expect(allocator.allocate().toString()).to.equal('10.0.0.128/26');
    expect(allocator.allocate().toString()).to.equal('10.0.0.192/26');
    expect(allocator.allocate().toString()).to.equal(first.toString());
  });

  it('never hands out one subnet twice and stays inside the network', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 200 }), (steps) => {
      const network = Cidr.parse('10.0.0.0/20');
      const allocator = new SubnetAllocator(network, 8);
      const held: Cidr[] = [];
      for (const allocate of steps) {
        if (allocate && held.length < allocator.capacity) {
          const subnet = allocator.allocate();
          expect(network.contains(subnet.network)).to.equal(true);
          expect(held.some((other) => other.equals(subnet))).to.equal(false);
          held.push(subnet);
        } else if (held.length > 0) {
          allocator.release(held.shift()!);
        }
      }
      expect(allocator.used).to.equal(held.length);
    }));
  });
});
