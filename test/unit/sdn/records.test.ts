import { expect } from 'chai';
import {
  RecordError, parseHostSubnet, parseNetNamespace, parseNetNamespaceRejection, serializeHostSubnet,
  serializeNetNamespace, serializeNetNamespaceRejection,
} from '../../../lib/sdn/records.js';

const SUBNET_KEY = 'k8ssdn/subnets/10.0.0.1';
const NS_KEY = 'k8ssdn/netnamespaces/ns1';

function rejection(parse: () => unknown): RecordError {
  try {
    parse();
  } catch (error) {
    expect(error).to.be.instanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('accepted');
}

describe('HostSubnet records', () => {
  const original = '{"Host":"node1","HostIP":"10.0.0.1","Subnet":"10.128.0.0/23","Assign":false}';

  it('round-trips the original JSON byte for byte', () => {
    const record = parseHostSubnet(SUBNET_KEY, original);
    expect(record.host).to.equal('node1');
    expect(record.subnet?.toString()).to.equal('10.128.0.0/23');
    expect(serializeHostSubnet(record)).to.equal(original);
  });

  it('reads an Assign request without a subnet', () => {
    const record = parseHostSubnet(SUBNET_KEY, '{"Host":"ext1","HostIP":"10.0.0.1","Subnet":"","Assign":true}');
    expect(record.subnet).to.equal(null);
    expect(record.assign).to.equal(true);
    expect(serializeHostSubnet(record)).to.equal('{"Host":"ext1","HostIP":"10.0.0.1","Subnet":"","Assign":true}');
  });

  const cases: Array<[string, string, string]> = [
    ['a missing Host', '{"HostIP":"10.0.0.1","Subnet":"10.128.0.0/23"}', 'Host'],
    ['an empty Host', '{"Host":"","HostIP":"10.0.0.1","Subnet":"10.128.0.0/23"}', 'Host'],
    ['a bad HostIP', '{"Host":"n","HostIP":"10.0.0.300","Subnet":"10.128.0.0/23"}', 'HostIP'],
    ['a HostIP that differs from the key', '{"Host":"n","HostIP":"10.0.0.2","Subnet":"10.128.0.0/23"}', 'HostIP'],
    ['a bad Subnet', '{"Host":"n","HostIP":"10.0.0.1","Subnet":"10.128.0.1/23"}', 'Subnet'],
    ['no Subnet and no Assign', '{"Host":"n","HostIP":"10.0.0.1","Subnet":""}', 'Subnet'],
    ['an Assign that is a string', '{"Host":"n","HostIP":"10.0.0.1","Subnet":"","Assign":"true"}', 'Assign'],
    ['bad JSON', '{', '(json)'],
  ];
  for (const [what, input, field] of cases) {
    it(`rejects ${what}, naming the key and ${field}`, () => {
      const error = rejection(() => parseHostSubnet(SUBNET_KEY, input));
      expect(error.field).to.equal(field);
      expect(error.key).to.equal(SUBNET_KEY);
      expect(error.message).to.contain(SUBNET_KEY);
    });
  }
});

describe('NetNamespace records', () => {
  const original = '{"NetName":"ns1","NetID":10,"Action":"","Namespace":""}';

  it('round-trips the original JSON byte for byte', () => {
    const record = parseNetNamespace(NS_KEY, original);
    expect(record).to.deep.equal({ netName: 'ns1', netId: 10, action: '', namespace: '' });
    expect(serializeNetNamespace(record)).to.equal(original);
  });

  it('keeps an Action it does not know, for the master to reject with a reason', () => {
    expect(parseNetNamespace(NS_KEY, '{"NetName":"ns1","NetID":10,"Action":"merge","Namespace":"x"}').action)
      .to.equal('merge');
  });

  it('treats missing Action and Namespace as empty, as Go does', () => {
    expect(parseNetNamespace(NS_KEY, '{"NetName":"ns1","NetID":0}').action).to.equal('');
  });

  const cases: Array<[string, string, string]> = [
    ['a missing NetName', '{"NetID":10}', 'NetName'],
    ['a NetName that differs from the key', '{"NetName":"ns2","NetID":10}', 'NetName'],
    ['a NetName that is no namespace name', '{"NetName":"NS_1","NetID":10}', 'NetName'],
    ['a reserved NetID', '{"NetName":"ns1","NetID":5}', 'NetID'],
    ['a NetID above 2^24-1', '{"NetName":"ns1","NetID":16777216}', 'NetID'],
    ['a NetID given as a string', '{"NetName":"ns1","NetID":"10"}', 'NetID'],
    ['an Action that is not a string', '{"NetName":"ns1","NetID":10,"Action":1}', 'Action'],
  ];
  for (const [what, input, field] of cases) {
    it(`rejects ${what}, naming the key and ${field}`, () => {
      const error = rejection(() => parseNetNamespace(NS_KEY, input));
      expect(error.field).to.equal(field);
      expect(error.key).to.equal(NS_KEY);
    });
  }

  it('round-trips a rejection reason for the admin CLI', () => {
    const rejected = { action: 'join', namespace: 'nope', error: 'namespace "nope" to join does not exist', time: '2024-01-01T00:00:00.000Z' };
    const text = serializeNetNamespaceRejection(rejected);
    expect(text).to.equal('{"Action":"join","Namespace":"nope","Error":"namespace \\"nope\\" to join does not exist","Time":"2024-01-01T00:00:00.000Z"}');
    expect(parseNetNamespaceRejection('k8ssdn/netnamespace-errors/ns1', text)).to.deep.equal(rejected);
  });
});
