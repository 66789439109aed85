// IP pool records as an admin writes them with etcdctl: what is accepted, and how a bad one is named.
import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import {
  parseIpPool, parseIpPoolStatus, poolAddress, poolAllows, poolContains, poolSize, reservedByPool, serializeIpPool,
} from '../../../../lib/sdn/fixed/pool.js';
import { RecordError } from '../../../../lib/sdn/records.js';

const NETWORK = Cidr.parse('10.128.0.0/14');
const KEY = 'k8ssdn/ippools/db';
const parse = (value: object, key = KEY) => parseIpPool(key, JSON.stringify(value), NETWORK);
const refusal = (value: object, key = KEY) => {
  try {
    parse(value, key);
  } catch (error) {
    expect(error).to.be.instanceOf(RecordError);
    return (error as RecordError).message;
  }
  throw new Error('accepted');
};

describe('IP pool records', () => {
  it('reads a CIDR pool, handing out all but its first and last address', () => {
    const pool = parse({ CIDR: '10.130.0.0/24', Namespaces: ['red'] });
    expect(pool.name).to.equal('db');
    expect(poolSize(pool)).to.equal(254);
    expect(poolAddress(pool, 0)).to.equal('10.130.0.1');
    expect(poolAddress(pool, 253)).to.equal('10.130.0.254');
    expect(poolAddress(pool, 254)).to.equal(undefined);
    expect(reservedByPool(pool, parseIpv4('10.130.0.0'))).to.match(/network address of pool db/);
    expect(reservedByPool(pool, parseIpv4('10.130.0.255'))).to.match(/broadcast address of pool db/);
    expect(poolContains(pool, '10.130.0.255')).to.equal(false);
    expect(poolAllows(pool, 'red')).to.equal(true);
    expect(poolAllows(pool, 'blue')).to.equal(false);
  });

  it('reads ranges and single addresses in order, and "*" for every namespace', () => {
    const pool = parse({ Ranges: ['10.130.1.10-10.130.1.12', '10.130.1.30'], Namespaces: ['*'] });
    expect(poolSize(pool)).to.equal(4);
    expect([0, 1, 2, 3].map((n) => poolAddress(pool, n))).to.deep.equal(['10.130.1.10', '10.130.1.11', '10.130.1.12', '10.130.1.30']);
    expect(poolAllows(pool, 'anyone')).to.equal(true);
    expect(reservedByPool(pool, parseIpv4('10.130.1.10'))).to.equal(undefined);
  });

  it('round-trips through its serialized form', () => {
    const pool = parse({ Ranges: ['10.130.1.10-10.130.1.12'], Namespaces: ['red', 'blue'] });
    expect(parse(JSON.parse(serializeIpPool(pool)))).to.deep.equal(pool);
  });

  it('refuses what cannot be a pool, naming the field and value', () => {
    expect(refusal({ Namespaces: ['red'] })).to.match(/give either CIDR or a non-empty Ranges list/);
    expect(refusal({ CIDR: '10.130.0.0/24', Ranges: ['10.130.1.1'], Namespaces: ['red'] })).to.match(/either CIDR or/);
    expect(refusal({ CIDR: '192.168.0.0/24', Namespaces: ['red'] })).to.match(/192.168.0.0\/24 is not inside the cluster network 10.128.0.0\/14/);
    expect(refusal({ CIDR: '10.130.0.1/24', Namespaces: ['red'] })).to.match(/host bits set/);
    expect(refusal({ Ranges: ['10.130.0.9-10.130.0.1'], Namespaces: ['red'] })).to.match(/ends before it starts/);
    expect(refusal({ Ranges: ['10.130.0.1-10.130.0.9', '10.130.0.5'], Namespaces: ['red'] })).to.match(/overlap/);
    expect(refusal({ Ranges: ['10.128.0.0'], Namespaces: ['red'] })).to.match(/network or broadcast address of 10.128.0.0\/14/);
    expect(refusal({ CIDR: '10.130.0.0/24' })).to.match(/Namespaces is empty/);
    expect(refusal({ CIDR: '10.130.0.0/24', Namespaces: ['Red'] })).to.match(/"Red" is not a namespace name/);
    expect(refusal({ CIDR: '10.130.0.0/24', Namespaces: 'red' })).to.match(/not a list of strings/);
    expect(refusal({ CIDR: '10.130.0.0/24', Namespaces: ['red'], Name: 'other' })).to.match(/does not match the key/);
    expect(refusal({ CIDR: '10.130.0.0/24', Namespaces: ['red'] }, 'k8ssdn/ippools/DB')).to.match(/not a DNS label/);
  });

  it('reads the master\'s verdict on a pool version', () => {
    expect(parseIpPoolStatus('k', '{"Revision":7,"State":"Refused","Reason":"it overlaps","Time":"t"}'))
      .to.deep.equal({ revision: 7, state: 'Refused', reason: 'it overlaps', time: 't' });
    expect(() => parseIpPoolStatus('k', '{"Revision":7,"State":"Maybe"}')).to.throw(RecordError, /not Accepted or Refused/);
  });
});
