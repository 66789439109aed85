// `trace` end to end over fakes: argument parsing, finding pods on switches, both legs of a VXLAN path.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAdm } from '../../../lib/adm/program.js';
import { parseDestination, podPacket, podsOnSwitch, vxlanPacket } from '../../../lib/adm/trace-endpoints.js';
import type { CommandRunner } from '../../../lib/exec/command.js';
import { ofPort } from '../../../lib/ovs/flow.js';
import { CONFIG, MemoryStore, fakeEnvironment } from './memory-store.js';
import * as recorded from './trace-recordings.js';

describe('trace endpoints', () => {
  it('reads pods, addresses, ports and protocols, and names what is wrong', () => {
    expect(parseDestination('blue/db-0:5432/udp')).to.deep.equal({ target: { kind: 'pod', pod: { namespace: 'blue', name: 'db-0' } }, protocol: 'udp', port: 5432 });
    expect(parseDestination('10.128.0.4:80')).to.deep.equal({ target: { kind: 'ip', ip: '10.128.0.4' }, protocol: 'tcp', port: 80 });
    expect(parseDestination('10.128.0.4')).to.deep.equal({ target: { kind: 'ip', ip: '10.128.0.4' }, protocol: 'ip' });
    expect(() => parseDestination('10.128.0.400')).to.throw(/is not an IPv4 address: give <namespace>\/<pod> or an IPv4 address/);
    expect(() => parseDestination('blue/db:0')).to.throw(/port 0 is not 1-65535/);
    expect(() => parseDestination('blue/db:80/icmp')).to.throw(/is not <namespace>\/<pod> or <ip>/);
    expect(() => parseDestination('Blue/db')).to.throw(/"Blue\/db" is not <namespace>\/<pod>/);
  });

  it('builds the packets for ofproto/trace with the protocol\'s own port field', () => {
    const [pod] = podsOnSwitch([{ name: 'ko1', ofport: ofPort(3), externalIds: {
      'k8s-ovs-namespace': 'red', 'k8s-ovs-pod': 'a', 'k8s-ovs-ip': '10.128.0.2', 'k8s-ovs-mac': '0a:58:0a:80:00:02' } },
    { name: 'tun0', ofport: ofPort(2), externalIds: {} }]);
    expect(podPacket(pod!, '10.128.2.2', parseDestination('10.128.2.2:53/udp')))
      .to.equal('in_port=3,udp,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_dst=10.128.2.2,udp_dst=53');
    expect(vxlanPacket(11, '10.91.0.1', '10.91.0.2', '10.128.0.2', '10.128.2.2', parseDestination('10.128.2.2')))
      .to.equal('in_port=1,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,ip,nw_src=10.128.0.2,nw_dst=10.128.2.2');
  });
});

describe('k8s-ovs-adm trace', () => {
  const dirs: string[] = [];
  let n1: string;
  let n2: string;
  const appctl: string[] = [];

  function ports(pods: Array<[string, number, string, string, string]>): string {
    return JSON.stringify({ data: pods.map(([name, ofport, ns, pod, ip]) => [name, ofport, ['map', [
      ['k8s-ovs-namespace', ns], ['k8s-ovs-pod', pod], ['k8s-ovs-ip', ip], ['k8s-ovs-mac', `0a:58:${ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).slice(0, 4).join(':')}`],
    ]]]) });
  }

  // The recorded run 1: n1 holds 10.128.0.0/23 (red-a port 3, blue-a port 4), n2 holds 10.128.2.0/23 (red-b port 3).
  const runner: CommandRunner = {
    async run(command, args) {
      const dir = [n1, n2].find((d) => args.some((a) => a.includes(d)));
      if (command === 'ovs-vsctl' && args.includes('list-ports')) return dir === n1 ? 'ko-a\nko-b\n' : 'ko-c\n';
      if (command === 'ovs-vsctl') {
        return dir === n1 ? ports([['ko-a', 3, 'red', 'red-a', '10.128.0.2'], ['ko-b', 4, 'blue', 'blue-a', '10.128.0.3']])
          : ports([['ko-c', 3, 'red', 'red-b', '10.128.2.2']]);
      }
      const packet = args.at(-1)!;
      appctl.push(`${dir === n1 ? 'n1' : 'n2'} ${packet}`);
      if (packet.includes('tun_id')) return recorded.receivedDelivered.output;
      if (packet.startsWith('in_port=2,')) return recorded.relayedForeign.output;
      if (packet.includes('nw_dst=172.30.')) return recorded.serviceOpen.output;
      return packet.includes('nw_dst=10.128.0.3') ? recorded.localDropped.output : recorded.vxlanArpMiss.output;
    },
  };

  function store(): MemoryStore {
    const s = new MemoryStore();
    s.put('config', CONFIG);
    s.put('k8ssdn/subnets/10.91.0.1', JSON.stringify({ Host: 'n1', HostIP: '10.91.0.1', Subnet: '10.128.0.0/23', Assign: false }));
    s.put('k8ssdn/subnets/10.91.0.2', JSON.stringify({ Host: 'n2', HostIP: '10.91.0.2', Subnet: '10.128.2.0/23', Assign: false }));
    s.put('k8ssdn/netnamespaces/red', JSON.stringify({ NetName: 'red', NetID: 11, Action: '', Namespace: '' }));
    s.put('k8ssdn/netnamespaces/blue', JSON.stringify({ NetName: 'blue', NetID: 12, Action: '', Namespace: '' }));
    return s;
  }

  before(async () => {
    for (const name of ['n1', 'n2']) {
      const dir = await mkdtemp(path.join(tmpdir(), `adm-trace-${name}-`));
      await writeFile(path.join(dir, 'ovs-vswitchd.pid'), '4242\n');
      dirs.push(dir);
    }
    [n1, n2] = dirs as [string, string];
  });

  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => { appctl.length = 0; });

  it('explains a drop between tenants on the source node', async () => {
    const env = fakeEnvironment(store(), { runner });
    expect(await runAdm(['trace', 'red/red-a', 'blue/blue-a', '--ovs-rundir', n1], env, {}), env.stderr).to.equal(0);
    expect(appctl).to.deep.equal(['n1 in_port=3,ip,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_dst=10.128.0.3']);
    expect(env.stdout).to.contain('Tracing ip from red/red-a (10.128.0.2, VNID 11) to blue/blue-a (10.128.0.3, VNID 12)');
    expect(env.stdout).to.contain('\nResult: dropped in LocalDelivery (table 70): destination VNID 12, source VNID 11\n');
  });

  it('gives every pod the global VNID 0 outside multitenant mode, where namespaces have no VNID of their own', async () => {
    const s = new MemoryStore();
    s.put('config', JSON.stringify({ ...JSON.parse(CONFIG) as object, PluginName: 'k8s-ovs-networkpolicy' }));
    s.put('k8ssdn/subnets/10.91.0.1', JSON.stringify({ Host: 'n1', HostIP: '10.91.0.1', Subnet: '10.128.0.0/23', Assign: false }));
    const env = fakeEnvironment(s, { runner });
    expect(await runAdm(['trace', 'red/red-a', 'blue/blue-a', '--ovs-rundir', n1], env, {}), env.stderr).to.equal(0);
    expect(env.stdout).to.contain('Tracing ip from red/red-a (10.128.0.2, VNID 0) to blue/blue-a (10.128.0.3, VNID 0)');
  });

  it('follows VXLAN into a node whose switch is reachable, from the tunnel as received', async () => {
    const env = fakeEnvironment(store(), { runner });
    expect(await runAdm(['trace', 'red/red-a', 'red/red-b', '--ovs-rundir', n1, '--remote-ovs-rundir', `n2=${n2}`], env, {}), env.stderr).to.equal(0);
    expect(appctl[1]).to.equal('n2 in_port=1,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,ip,nw_src=10.128.0.2,nw_dst=10.128.2.2');
    expect(env.stdout).to.match(/n1 \(10\.91\.0\.1\): ofproto\/trace br0 .*\n(.*\n){8} {2}=> sent over VXLAN to node n2 \(10\.91\.0\.2\) with VNID 11/);
    expect(env.stdout).to.contain('\nResult: delivered to port 3 (pod red/red-b) on n2 (10.91.0.2)\n');
  });

  it('tells what to run on the next node when its switch is not reachable', async () => {
    const env = fakeEnvironment(store(), { runner });
    expect(await runAdm(['trace', 'red/red-a', '10.128.2.2', '--ovs-rundir', n1, '-o', 'json'], env, {})).to.equal(0);
    const doc = JSON.parse(env.stdout) as { Legs: unknown[]; NextNodePacket: string; Result: string };
    expect(doc.Legs).to.have.length(1);
    expect(doc.NextNodePacket).to.equal('in_port=1,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,ip,nw_src=10.128.0.2,nw_dst=10.128.2.2');
    expect(doc.Result).to.contain('run on n2:\n  ovs-appctl ofproto/trace br0 in_port=1,tun_id=0xb');
  });

  it('follows a service destination back from the host to the endpoint given, with the client\'s address', async () => {
    const env = fakeEnvironment(store(), { runner });
    expect(await runAdm(['trace', 'red/red-a', '172.30.0.10:80', '--service-backend', '10.128.0.3:8080', '--ovs-rundir', n1], env, {}),
      env.stderr).to.equal(0);
    expect(appctl).to.deep.equal(['n1 in_port=3,tcp,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_dst=172.30.0.10,tcp_dst=80',
      'n1 in_port=2,tcp,nw_src=10.128.0.2,nw_dst=10.128.0.3,tcp_dst=8080']);
    expect(env.stdout).to.contain('relayed by the host: it keeps pod 10.128.0.2\'s VNID 11');
    expect(env.stdout).to.contain('\nResult: dropped in LocalDelivery (table 70): destination VNID 12, source VNID 11 on n1 (10.91.0.1)\n');
  });

  it('takes this node\'s OVS directory from K8S_OVS_OVS_RUNDIR like the daemon', async () => {
    const env = fakeEnvironment(store(), { runner });
    expect(await runAdm(['trace', 'red/red-a', 'blue/blue-a'], env, { K8S_OVS_OVS_RUNDIR: n1, OVS_RUNDIR: n2 }), env.stderr).to.equal(0);
    expect(appctl).to.deep.equal(['n1 in_port=3,ip,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_dst=10.128.0.3']);
  });

  it('names the fix for a pod it cannot find and for a bad remote directory', async () => {
    let env = fakeEnvironment(store(), { runner });
    expect(await runAdm(['trace', 'red/ghost', '10.128.2.2', '--ovs-rundir', n1], env, {})).to.equal(1);
    expect(env.stderr).to.equal(`error: pod red/ghost has no port on the switch at ${n1}: run trace on the node that runs it\n`);
    env = fakeEnvironment(store(), { runner });
    expect(await runAdm(['trace', 'red/red-a', '10.128.2.2', '--remote-ovs-rundir', 'n2'], env, {})).to.equal(2);
    expect(env.stderr).to.match(/--remote-ovs-rundir "n2" is not NODE=DIR/);
    expect(env.opened).to.have.length(0);
  });
});
