// The daemon side of operability, unit-tested here with the CLI that reads it: heartbeats and the metrics endpoint.
import { expect } from 'chai';
import { ownerCookie } from '../../../../lib/ovs/cookie.js';
import { parseDumpFlows } from '../../../../lib/ovs/dump.js';
import { HeartbeatWriter, type LeaseGrantor, heartbeatKey, parseHeartbeat } from '../../../../lib/sdn/daemon/heartbeat.js';
import { DaemonMetrics, type MetricsSources, parseListenAddress } from '../../../../lib/sdn/daemon/metrics.js';
import { OwnerKind } from '../../../../lib/sdn/pipeline/owners.js';
import { PIPELINE_VERSION } from '../../../../lib/sdn/pipeline/tables.js';

describe('daemon heartbeat', () => {
  class FakeLeases {
    readonly events: string[] = [];
    readonly written = new Map<string, string>();
    failKeepAlive = false;
    private next = 1;
    grant = async (ttl: number): ReturnType<LeaseGrantor> => {
      const id = this.next++;
      this.events.push(`grant ${id} ttl=${ttl}`);
      return {
        keepAlive: async () => {
          if (this.failKeepAlive) throw new Error('lease expired');
          this.events.push(`keepalive ${id}`);
        },
        put: async (key, value) => { this.events.push(`put ${id} ${key}`); this.written.set(key, value); },
        revoke: async () => { this.events.push(`revoke ${id}`); },
      };
    };
  }

  it('writes {Host, Version, PipelineVersion, Time} under <Name>/nodes/<HostIP> on a 30 s lease, renewed each beat', async () => {
    const leases = new FakeLeases();
    let now = Date.parse('2024-05-01T12:00:00Z');
    const writer = new HeartbeatWriter({ networkName: 'k8ssdn', host: 'n1', hostIp: '10.91.0.1', leases: leases.grant, version: '0.1.0',
      now: () => new Date(now) });
    await writer.beat();
    now += 10_000;
    await writer.beat();
    expect(writer.key).to.equal('k8ssdn/nodes/10.91.0.1').and.equal(heartbeatKey('k8ssdn', '10.91.0.1'));
    expect(leases.events).to.deep.equal(['grant 1 ttl=30', 'put 1 k8ssdn/nodes/10.91.0.1', 'keepalive 1', 'put 1 k8ssdn/nodes/10.91.0.1']);
    expect(parseHeartbeat(writer.key, leases.written.get(writer.key)!))
      .to.deep.equal({ host: 'n1', version: '0.1.0', pipelineVersion: PIPELINE_VERSION, time: '2024-05-01T12:00:10.000Z' });
  });

  it('takes a fresh lease after a failed beat, and revokes it on stop', async () => {
    const leases = new FakeLeases();
    const writer = new HeartbeatWriter({ networkName: 'k8ssdn', host: 'n1', hostIp: '10.91.0.1', leases: leases.grant });
    await writer.beat();
    leases.failKeepAlive = true;
    await writer.beat();
    leases.failKeepAlive = false;
    await writer.beat();
    await writer.stop();
    await writer.beat();
    expect(leases.events).to.deep.equal([
      'grant 1 ttl=30', 'put 1 k8ssdn/nodes/10.91.0.1', 'grant 2 ttl=30', 'put 2 k8ssdn/nodes/10.91.0.1', 'revoke 2',
    ]);
  });

  it('rejects a heartbeat record without a usable time', () => {
    expect(() => parseHeartbeat('k8ssdn/nodes/10.91.0.1', '{"Host":"n1","Version":"0.1.0","PipelineVersion":1,"Time":"soon"}'))
      .to.throw(/Time "soon" is not an RFC 3339 time/);
  });
});

/** A note as ovs-ofctl dump-flows prints it: hex bytes, dot-separated, zero-padded to 8-byte multiples. */
const dumpedNote = (text: string) => {
  const bytes = Buffer.concat([Buffer.from(text), Buffer.alloc((8 - ((text.length + 2) % 8)) % 8)]);
  return `note:${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('.')}`;
};

// Two isolated pods' drop flows (one of them isolated by two policies) and an allow flow, which counts nothing.
const POLICY_TABLES = [
  ` cookie=0x600000000000001, duration=9.1s, table=80, n_packets=7, n_bytes=518, priority=50,ip,nw_dst=10.128.0.4 actions=${dumpedNote('netpol ingress isolated by red/web')}`,
  ` cookie=0x600000000000001, duration=9.1s, table=80, n_packets=3, n_bytes=222, priority=50,ip,nw_dst=10.128.0.5 actions=${dumpedNote('netpol ingress isolated by red/db,red/web')}`,
  ` cookie=0x600000000000001, duration=9.1s, table=80, n_packets=40, n_bytes=2960, priority=200,ip,nw_dst=10.128.0.4 actions=${dumpedNote('netpol ingress red/web[0]')},goto_table:110`,
  ` cookie=0x600000000000001, duration=9.1s, table=27, n_packets=2, n_bytes=148, priority=50,ip,nw_src=10.128.0.2 actions=${dumpedNote('netpol egress isolated by red/egress-a')}`,
].join('\n');

describe('daemon metrics endpoint', () => {
  let metrics: DaemonMetrics;
  let base: string;
  const state = { etcd: 'up' as 'up' | 'down', ready: false };

  const sources: MetricsSources = {
    store: { get connection() { return { state: state.etcd }; } },
    master: { leading: true },
    desiredFlows: () => new Map([
      [ownerCookie(OwnerKind.Pipeline, 'pipeline'), [1, 2, 3]], [ownerCookie(OwnerKind.Pod, 'ko1'), [1, 2]],
      [ownerCookie(OwnerKind.Pod, 'ko2'), [1]],
    ]),
    vnidCount: () => 4,
    ipam: () => (state.ready ? { list: async () => [1, 2], allocatableCount: 509 } : undefined),
    policyFlowStats: async () => parseDumpFlows(POLICY_TABLES),
    notReady: () => (state.ready ? [] : ['the node is not set up yet']),
    version: '0.1.0',
  };

  before(async () => {
    metrics = new DaemonMetrics(sources);
    base = `http://${await metrics.listen('127.0.0.1:0')}`;
  });

  after(async () => {
    await metrics.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, text: await response.text() };
  };

  it('answers /healthz always and /readyz only once the node is set up', async () => {
    expect(await get('/healthz')).to.deep.equal({ status: 200, text: 'ok\n' });
    expect(await get('/readyz')).to.deep.equal({ status: 503, text: 'not ready: the node is not set up yet\n' });
    state.ready = true;
    expect(await get('/readyz')).to.deep.equal({ status: 200, text: 'ok\n' });
    expect((await get('/nothing')).status).to.equal(404);
  });

  it('counts CNI requests by command and result and reads the node\'s state at scrape time', async () => {
    metrics.observeCni('ADD', 'success', 0.2);
    metrics.observeCni('ADD', 'success', 0.3);
    metrics.observeCni('DEL', 'error', 0.01);
    state.etcd = 'down';
    const { text } = await get('/metrics');
    const lines = text.split('\n');
    for (const expected of [
      'k8s_ovs_cni_requests_total{command="ADD",result="success"} 2',
      'k8s_ovs_cni_requests_total{command="DEL",result="error"} 1',
      'k8s_ovs_cni_request_duration_seconds_count{command="ADD",result="success"} 2',
      'k8s_ovs_cni_request_duration_seconds_bucket{le="0.25",command="ADD",result="success"} 1',
      'k8s_ovs_flows{owner_kind="pipeline"} 3', 'k8s_ovs_flows{owner_kind="pod"} 3', 'k8s_ovs_flows{owner_kind="service"} 0',
      'k8s_ovs_vnid_namespaces 4', 'k8s_ovs_ipam_allocated_addresses 2', 'k8s_ovs_ipam_capacity_addresses 509',
      'k8s_ovs_networkpolicy_dropped_packets_total{direction="ingress",policy="red/web"} 10',
      'k8s_ovs_networkpolicy_dropped_packets_total{direction="ingress",policy="red/db"} 3',
      'k8s_ovs_networkpolicy_dropped_packets_total{direction="egress",policy="red/egress-a"} 2',
      'k8s_ovs_etcd_up 0', 'k8s_ovs_master_leading 1', `k8s_ovs_build_info{version="0.1.0",pipeline_version="${PIPELINE_VERSION}"} 1`,
    ]) expect(lines, expected).to.include(expected);
  });

  it('reads HOST:PORT and refuses anything else with the flag\'s name', () => {
    expect(parseListenAddress('127.0.0.1:9101')).to.deep.equal({ host: '127.0.0.1', port: 9101 });
    expect(parseListenAddress(':9101')).to.deep.equal({ host: undefined, port: 9101 });
    expect(parseListenAddress('[::1]:9101')).to.deep.equal({ host: '::1', port: 9101 });
    expect(() => parseListenAddress('9101')).to.throw(/--metrics-address: "9101" is not HOST:PORT/);
    expect(() => parseListenAddress('h:70000')).to.throw(/not HOST:PORT/);
  });
});
