import { expect } from 'chai';
import { InterfaceExistsError, PodLinks, type PodInterfaceConfig } from '../../../lib/host/podlink.js';
import { CommandError } from '../../../lib/exec/command.js';
import { Cidr, parseIpv4 } from '../../../lib/net/ipv4.js';
import { parseMac } from '../../../lib/net/mac.js';
import { type Call, ScriptedRunner, fail } from '../../support/scripted-runner.js';

const isLinkAdd = (call: Call) => call.command === 'ip' && call.args[0] === '-batch' && (call.input ?? '').startsWith('link add');

const config: PodInterfaceConfig = {
  netnsPath: '/var/run/netns/pod', ifname: 'eth0', mac: parseMac('0a:58:0a:80:00:05'), address: parseIpv4('10.128.0.5'),
  subnet: Cidr.parse('10.128.0.0/23'), gateway: parseIpv4('10.128.0.1'), onLinkRoutes: [Cidr.parse('10.128.0.0/14')],
  mtu: 1450, disableTxChecksumOffload: true,
};

describe('PodLinks', () => {
  it('creates and configures a pair with one ip batch on the host and one program run in the pod', async () => {
    const runner = new ScriptedRunner([]);
    const links = new PodLinks(runner);
    await links.create('koabc', '0e:00:00:00:00:01', config);
    await links.configurePodEnd(config);
    expect(runner.describe()).to.deep.equal([
      'ip -batch -',
      'nsenter sh -c ip -batch - && exec ethtool -K "$1" tx off sh eth0',
    ]);
    expect(runner.calls[0]!.input).to.equal('link add koabc address 0e:00:00:00:00:01 mtu 1450 type veth peer name eth0 mtu 1450 '
      + 'netns /var/run/netns/pod\nlink set koabc up\n');
    expect(runner.calls[1]!.input).to.include('addr add 10.128.0.5/23 dev eth0\n');
    expect(runner.calls[1]!.input).to.include('route add default via 10.128.0.1 dev eth0\n');
  });

  it('runs no ethtool where checksum offload may stay on', async () => {
    const runner = new ScriptedRunner([]);
    await new PodLinks(runner).configurePodEnd({ ...config, disableTxChecksumOffload: false });
    expect(runner.describe()).to.deep.equal(['nsenter ip -batch -']);
  });

  it('refuses a pod that already has the interface, touching nothing of it', async () => {
    const runner = new ScriptedRunner([
      (call) => (isLinkAdd(call) ? fail(call, 'RTNETLINK answers: File exists\nCommand failed -:1') : undefined),
      (call) => (call.args.includes('addr') ? '[{"address":"aa:bb:cc:dd:ee:ff","mtu":1500,"addr_info":[]}]' : undefined),
      (call) => (call.args.includes('route') ? '[]' : undefined),
    ]);
    let error: unknown;
    await new PodLinks(runner).create('koabc', '0e:00:00:00:00:01', config).catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(InterfaceExistsError);
    expect(runner.describe().filter((c) => c.includes('del'))).to.deep.equal([]);
  });

  it('replaces a host end that a crashed ADD left behind, then creates the pair', async () => {
    let adds = 0;
    const runner = new ScriptedRunner([
      (call) => (isLinkAdd(call) && adds++ === 0 ? fail(call, 'RTNETLINK answers: File exists') : undefined),
      (call) => (call.args.includes('addr') && call.args.includes('show') ? fail(call, 'Device "eth0" does not exist.') : undefined),
    ]);
    await new PodLinks(runner).create('koabc', '0e:00:00:00:00:01', config);
    expect(runner.describe()).to.deep.equal([
      'ip -batch -',
      'nsenter ip -j addr show dev eth0',
      'ip link del koabc',
      'ip -batch -',
    ]);
  });

  it('tells whether there was a host end to delete', async () => {
    const gone = new ScriptedRunner([(call) => fail(call, 'Cannot find device "koabc"')]);
    expect(await new PodLinks(gone).deleteHostEnd('koabc')).to.equal(false);
    const present = new ScriptedRunner([]);
    expect(await new PodLinks(present).deleteHostEnd('koabc')).to.equal(true);
    const broken = new ScriptedRunner([(call) => fail(call, 'Operation not permitted')]);
    let error: unknown;
    await new PodLinks(broken).deleteHostEnd('koabc').catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(CommandError);
  });
});
