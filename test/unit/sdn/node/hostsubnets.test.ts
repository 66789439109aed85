import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { HostSubnets } from '../../../../lib/sdn/node/hostsubnets.js';

const self = parseIpv4('192.168.50.1');
const record = (ip: string, subnet: string | null) => ({
  host: `host-${ip}`, hostIp: parseIpv4(ip), subnet: subnet === null ? null : Cidr.parse(subnet), assign: subnet === null,
});

describe('HostSubnets', () => {
  it('turns the hosts an event touched into nodes to set and nodes to remove, leaving this node out', () => {
    const subnets = new HostSubnets(self);
    subnets.set(record('192.168.50.1', '10.128.0.0/23'));
    subnets.set(record('192.168.50.2', '10.128.2.0/23'));
    subnets.set(record('192.168.50.3', null));
    subnets.set(record('192.168.50.4', '10.128.4.0/23'));
    const gone = subnets.delete('192.168.50.4')!;
    const { set, removed } = subnets.changesFor([self, parseIpv4('192.168.50.2'), parseIpv4('192.168.50.3'), gone.hostIp]);
    expect(set.map((node) => `${node.ip} ${node.subnet.toString()}`)).to.deep.equal(['192.168.50.2 10.128.2.0/23']);
    expect(removed).to.deep.equal(['192.168.50.3', '192.168.50.4']);
  });

  it('lists every other node with a subnet for a relist', () => {
    const subnets = new HostSubnets(self);
    subnets.set(record('192.168.50.1', '10.128.0.0/23'));
    subnets.set(record('192.168.50.2', '10.128.2.0/23'));
    subnets.set(record('192.168.50.3', null));
    expect(subnets.remoteNodes().map((node) => node.ip)).to.deep.equal(['192.168.50.2']);
  });

  it('forgets an unknown host without a record to report', () => {
    expect(new HostSubnets(self).delete('192.168.50.9')).to.equal(undefined);
  });
});
