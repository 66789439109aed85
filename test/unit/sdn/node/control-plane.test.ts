import { expect } from 'chai';
import type { PodGuardRules } from '../../../../lib/host/pod-guard.js';
import { silentLogger } from '../../../../lib/log.js';
import { type Ipv4, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { exposedMetricsPorts } from '../../../../lib/sdn/daemon/metrics.js';
import { ControlPlaneGuard, type ControlPlaneGuardOptions, parseEndpointUrl } from '../../../../lib/sdn/node/control-plane.js';
import type { ControlPlaneEndpoint } from '../../../../lib/sdn/pipeline/flows.js';

const ip = (text: string) => parseIpv4(text);

function guardWith(overrides: Partial<ControlPlaneGuardOptions> = {}) {
  const applied = { switch: [] as ControlPlaneEndpoint[][], host: [] as PodGuardRules[] };
  let members: string[] | Error = ['https://10.0.0.11:2379', 'https://10.0.0.11:2380', 'https://etcd-3.example:2379'];
  let allowed: Ipv4[] = [];
  const guard = new ControlPlaneGuard({
    configuredUrls: () => ['https://10.0.0.10:2379'],
    memberUrls: async () => { if (members instanceof Error) throw members; return members; },
    resolve: async (host) => (host === 'etcd-3.example' ? [ip('10.0.0.12')] : [ip(host)]),
    switch: { setControlPlaneEndpoints: async (e) => { applied.switch.push([...e]); } },
    host: { apply: async (r) => { applied.host.push(r); } },
    exposedPorts: [], localAddresses: () => [ip('192.168.1.5'), ip('10.128.0.1')], allowedPods: () => allowed,
    logger: silentLogger, ...overrides,
  });
  return { guard, applied, setMembers: (m: string[] | Error) => { members = m; }, allow: (ips: Ipv4[]) => { allowed = ips; } };
}

const show = (endpoints: readonly ControlPlaneEndpoint[]) => endpoints.map((e) => `${e.ip}:${e.port}`);

describe('the control-plane guard', () => {
  it('closes the configured endpoints and every member\'s client and peer URL, resolved, on the switch and the host', async () => {
    const { guard, applied } = guardWith();
    expect(show(await guard.configuredEndpoints())).to.deep.equal(['10.0.0.10:2379']);
    await guard.refresh();
    const expected = ['10.0.0.10:2379', '10.0.0.11:2379', '10.0.0.11:2380', '10.0.0.12:2379'];
    expect(show(applied.switch[0]!)).to.deep.equal(expected);
    expect(show(applied.host[0]!.endpoints)).to.deep.equal(expected);
    expect(applied.host[0]).to.deep.include({ podDevice: 'tun0', udpPorts: [4789], localTcpPorts: [], allowedSources: [] });
  });

  it('applies nothing again while nothing changed, and again when an allowed pod comes', async () => {
    const { guard, applied, allow } = guardWith();
    await guard.refresh();
    await guard.refresh();
    expect(applied.host).to.have.length(1);
    allow([ip('10.128.0.7')]);
    await guard.refresh();
    expect(applied.host.map((r) => r.allowedSources)).to.deep.equal([[], ['10.128.0.7']]);
  });

  it('applies again, unchanged, after a firewall reload removed the host\'s rules', async () => {
    const { guard, applied } = guardWith();
    await guard.refresh();
    await guard.reapply();
    expect(applied.host).to.have.length(2);
    expect(applied.host[1]).to.deep.equal(applied.host[0]);
  });

  it('keeps the member list it last read while etcd is unreachable', async () => {
    const { guard, applied, setMembers } = guardWith();
    await guard.refresh();
    setMembers(new Error('etcd unreachable'));
    await guard.refresh();
    expect(applied.switch).to.have.length(1);
    setMembers(['https://10.0.0.20:2379']);
    await guard.refresh();
    expect(show(applied.switch.at(-1)!)).to.deep.equal(['10.0.0.10:2379', '10.0.0.20:2379']);
  });

  it('guards an exposed daemon port on this node\'s own addresses', async () => {
    const { guard, applied } = guardWith({ exposedPorts: [9101] });
    await guard.refresh();
    expect(show(applied.switch[0]!)).to.include.members(['192.168.1.5:9101', '10.128.0.1:9101']);
    expect(applied.host[0]!.localTcpPorts).to.deep.equal([9101]);
  });

  it('tries again at the next refresh when applying failed', async () => {
    let fail = true;
    const { guard, applied } = guardWith({
      host: { apply: async (r) => { if (fail) throw new Error('iptables-restore: resource busy'); applied.host.push(r); } },
    });
    await guard.refresh();
    fail = false;
    await guard.refresh();
    expect(applied.host).to.have.length(1);
  });

  it('reads etcd URLs with and without a scheme, and skips IPv6 ones', () => {
    expect(parseEndpointUrl('https://etcd-1:2379')).to.deep.equal({ host: 'etcd-1', port: 2379 });
    expect(parseEndpointUrl('10.0.0.5:4001')).to.deep.equal({ host: '10.0.0.5', port: 4001 });
    expect(parseEndpointUrl('http://10.0.0.5')).to.deep.equal({ host: '10.0.0.5', port: 80 });
    expect(parseEndpointUrl('https://[fd00::1]:2379')).to.equal(undefined);
  });

  it('counts a metrics address as exposed unless it is disabled or on loopback', () => {
    expect(exposedMetricsPorts('127.0.0.1:9101')).to.deep.equal([]);
    expect(exposedMetricsPorts('')).to.deep.equal([]);
    expect(exposedMetricsPorts('[::1]:9101')).to.deep.equal([]);
    expect(exposedMetricsPorts(':9101')).to.deep.equal([9101]);
    expect(exposedMetricsPorts('0.0.0.0:9200')).to.deep.equal([9200]);
    expect(exposedMetricsPorts('10.0.0.5:9101')).to.deep.equal([9101]);
  });
});
