// Status assembly, node joining and table rendering: pure functions over records.
import { expect } from 'chai';
import { joinNodes } from '../../../lib/adm/nodes.js';
import { assembleStatus, renderStatus } from '../../../lib/adm/status.js';
import { formatAge, renderTable } from '../../../lib/adm/table.js';
import { parseNetworkConfig } from '../../../lib/sdn/config.js';
import { parseHostSubnet, parseNetNamespace } from '../../../lib/sdn/records.js';
import { CONFIG } from './memory-store.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const subnet = (host: string, ip: string, cidr: string) =>
  parseHostSubnet(`k8ssdn/subnets/${ip}`, JSON.stringify({ Host: host, HostIP: ip, Subnet: cidr, Assign: cidr === '' }));
const beat = (host: string, ip: string, seconds: number, version = '0.1.0', pipelineVersion = 1) =>
  ({ host, hostIp: ip, version, pipelineVersion, time: ago(seconds) });

describe('admin tables', () => {
  it('pads columns to the widest cell, three spaces apart, without trailing spaces', () => {
    expect(renderTable(['NAME', 'NETID'], [['blue', '11'], ['a-long-name', '0']])).to.equal(
      'NAME          NETID\nblue          11\na-long-name   0\n');
    expect(renderTable(['NAME', 'NETID'], [])).to.equal('NAME   NETID\n');
  });

  it('prints ages like kubectl', () => {
    expect([0, 45_000, 192_000, 3_600_000, 7_500_000, 90_000_000].map(formatAge)).to.deep.equal(['0s', '45s', '3m12s', '1h', '2h5m', '1d1h']);
  });
});

describe('nodes from HostSubnets and heartbeats', () => {
  it('marks each node by its heartbeat and subnet', () => {
    const nodes = joinNodes(
      [subnet('n1', '10.91.0.1', '10.128.0.0/23'), subnet('n2', '10.91.0.2', '10.128.2.0/23'), subnet('gw', '10.91.0.9', '')],
      [beat('n1', '10.91.0.1', 4), beat('n3', '10.91.0.3', 2), beat('n2', '10.91.0.2', 45)], now);
    expect(nodes.map((n) => [n.name, n.state, n.subnet])).to.deep.equal([
      ['gw', 'NoHeartbeat', null], ['n1', 'Ready', '10.128.0.0/23'], ['n2', 'Stale', '10.128.2.0/23'], ['n3', 'WaitingForSubnet', null],
    ]);
  });
});

describe('status', () => {
  const config = parseNetworkConfig(CONFIG);
  const candidates = [
    { identity: 'n2', key: 'election/k8ssdn/master/694d8', createRevision: 7 },
    { identity: 'n1', key: 'election/k8ssdn/master/694d9', createRevision: 9 },
  ];
  const subnets = [subnet('n1', '10.91.0.1', '10.128.0.0/23'), subnet('n2', '10.91.0.2', '10.128.2.0/23')];

  it('shows the leader, its standbys, every node and no problem on a healthy cluster', () => {
    const status = assembleStatus({ config, candidates, subnets, heartbeats: [beat('n1', '10.91.0.1', 3), beat('n2', '10.91.0.2', 8)],
      netNamespaces: [], now, cliVersion: '0.1.0' });
    expect(status.master).to.deep.equal({ identity: 'n2', key: 'election/k8ssdn/master/694d8' });
    expect(status.problems).to.deep.equal([]);
    expect(renderStatus(status)).to.equal([
      'Master:    n2 (standby: n1)',
      'Network:   k8ssdn (k8s-ovs-multitenant): cluster 10.128.0.0/21, node subnets /23, services 172.30.0.0/16',
      'Versions:  every daemon runs k8s-ovs 0.1.0, pipeline 1 (this CLI: 0.1.0)',
      '',
      'NAME   STATUS   HOST-IP     SUBNET          VERSION   PIPELINE   HEARTBEAT',
      'n1     Ready    10.91.0.1   10.128.0.0/23   0.1.0     1          3s ago',
      'n2     Ready    10.91.0.2   10.128.2.0/23   0.1.0     1          8s ago',
      '',
      'No problems found.',
      '',
    ].join('\n'));
  });

  it('reports no master, a silent node, version skew and an action nobody applies', () => {
    const status = assembleStatus({
      config, candidates: [], subnets: [...subnets, subnet('n3', '10.91.0.3', '10.128.4.0/23')],
      heartbeats: [beat('n1', '10.91.0.1', 3, '0.1.0', 1), beat('n2', '10.91.0.2', 3, '0.2.0', 2)],
      netNamespaces: [parseNetNamespace('k8ssdn/netnamespaces/blue', JSON.stringify({ NetName: 'blue', NetID: 12, Action: 'join', Namespace: 'red' }))],
      now, cliVersion: '0.1.0',
    });
    expect(status.master).to.equal(null);
    expect(status.skew).to.equal(true);
    expect(status.problems).to.deep.equal([
      'no master is elected: no daemon runs with --master (the default) or none reaches etcd; tenant actions and subnet requests wait until one does',
      'node n3 (10.91.0.3): no heartbeat: its daemon is stopped, cannot reach etcd, or predates heartbeats',
      'version skew: k8s-ovs 0.1.0 (pipeline 1) on n1; k8s-ovs 0.2.0 (pipeline 2) on n2',
      'netnamespace blue: Action "join" red waits for the master',
    ]);
    expect(renderStatus(status)).to.match(/^Master: {4}<none>$/m).and.match(/^Versions: {2}SKEW \(see problems\)/m);
  });
});
