import { expect } from 'chai';
import { HOST_STEP_FAILED, InterfaceExistsError, PodLinks, type PodInterfaceConfig } from '../../../lib/host/podlink.js';
import { CommandError } from '../../../lib/exec/command.js';
import { Cidr, parseIpv4 } from '../../../lib/net/ipv4.js';
import { parseMac } from '../../../lib/net/mac.js';
import { type Call, ScriptedRunner, fail } from '../../support/scripted-runner.js';

/** The create script's run: `sh -c SCRIPT sh NETNS HOST-BATCH POD-BATCH IFNAME`. */
const isCreate = (call: Call) => call.command === 'sh' && call.args[0] === '-c' && call.args.length === 7;
const exitWith = (call: Call, code: number, stderr: string) => new CommandError(call.command, call.args, code, stderr);
/** The runs as `ip ...` / `nsenter ...`, with the create script's run shown as `create`. */
const runs = (runner: ScriptedRunner) => runner.calls.map((call, i) => (isCreate(call) ? 'create' : runner.describe()[i]!));

const config: PodInterfaceConfig = {
  netnsPath: '/var/run/netns/pod', ifname: 'eth0', mac: parseMac('0a:58:0a:80:00:05'), address: parseIpv4('10.128.0.5'),
  subnet: Cidr.parse('10.128.0.0/23'), gateway: parseIpv4('10.128.0.1'), onLinkRoutes: [Cidr.parse('10.128.0.0/14')],
  mtu: 1450, disableTxChecksumOffload: true,
};

describe('PodLinks', () => {
  it('creates and configures both ends in one program run, every value passed as an argument', async () => {
    const runner = new ScriptedRunner([]);
    await new PodLinks(runner).create('koabc', '0e:00:00:00:00:01', config);
    expect(runner.calls).to.have.lengthOf(1);
    const [call] = runner.calls;
    expect(isCreate(call!)).to.equal(true);
    const [, script, , netns, host, pod, offloadOff] = call!.args;
    expect(script).to.not.include('koabc').and.not.include('10.128');
    expect(netns).to.equal('/var/run/netns/pod');
    expect(host).to.equal('link add koabc address 0e:00:00:00:00:01 mtu 1450 up type veth peer name eth0 address 0a:58:0a:80:00:05 '
      + 'mtu 1450 netns /var/run/netns/pod\n');
    expect(pod).to.include('addr add 10.128.0.5/23 dev eth0\n');
    expect(pod).to.include('route add 10.128.0.0/14 dev eth0\n');
    expect(pod).to.include('route add default via 10.128.0.1 dev eth0\n');
    expect(offloadOff).to.equal('eth0');
  });

  it('runs no ethtool where checksum offload may stay on', async () => {
    const runner = new ScriptedRunner([]);
    await new PodLinks(runner).create('koabc', '0e:00:00:00:00:01', { ...config, disableTxChecksumOffload: false });
    expect(runner.calls[0]!.args[6]).to.equal('');
  });

  it('removes the pair again when configuring it failed after it was made', async () => {
    const runner = new ScriptedRunner([
      (call) => (isCreate(call) ? exitWith(call, 102, 'RTNETLINK answers: Invalid argument') : undefined),
    ]);
    let error: unknown;
    await new PodLinks(runner).create('koabc', '0e:00:00:00:00:01', config).catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(CommandError);
    expect(runs(runner)).to.deep.equal(['create', 'ip link del koabc']);
  });

  it('refuses a pod that already has the interface, touching nothing of it', async () => {
    const runner = new ScriptedRunner([
      (call) => (isCreate(call) ? exitWith(call, HOST_STEP_FAILED, 'RTNETLINK answers: File exists\nCommand failed -:1') : undefined),
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
      (call) => (isCreate(call) && adds++ === 0 ? exitWith(call, HOST_STEP_FAILED, 'RTNETLINK answers: File exists') : undefined),
      (call) => (call.args.includes('addr') && call.args.includes('show') ? fail(call, 'Device "eth0" does not exist.') : undefined),
    ]);
    await new PodLinks(runner).create('koabc', '0e:00:00:00:00:01', config);
    expect(runs(runner)).to.deep.equal([
      'create',
      'nsenter ip -j addr show dev eth0',
      'ip link del koabc',
      'create',
    ]);
  });

  it('removes the pair it made again when the retry after a crashed ADD fails to configure it', async () => {
    let creates = 0;
    const runner = new ScriptedRunner([
      (call) => (isCreate(call) && creates++ === 0 ? exitWith(call, HOST_STEP_FAILED, 'RTNETLINK answers: File exists') : undefined),
      (call) => (isCreate(call) ? exitWith(call, 102, 'RTNETLINK answers: Invalid argument') : undefined),
      (call) => (call.args.includes('addr') && call.args.includes('show') ? fail(call, 'Device "eth0" does not exist.') : undefined),
    ]);
    let error: unknown;
    await new PodLinks(runner).create('koabc', '0e:00:00:00:00:01', config).catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(CommandError);
    expect(runs(runner)).to.deep.equal(['create', 'nsenter ip -j addr show dev eth0', 'ip link del koabc', 'create', 'ip link del koabc']);
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
