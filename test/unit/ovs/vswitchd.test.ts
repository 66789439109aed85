import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { VswitchdCommandError, VswitchdUnreachableError, openVswitchdSession, vswitchdCommand } from '../../../lib/ovs/vswitchd.js';

describe('ovs-vswitchd session', () => {
  let dir: string;
  let server: net.Server | undefined;
  const connections: net.Socket[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kovs-vswitchd-'));
  });
  afterEach(async () => {
    for (const socket of connections.splice(0)) socket.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const requests: Array<{ method: string; params: string[] }> = [];

  /** A stand-in ovs-vswitchd: pid file and control socket answering like ovs-appctl's server (`fail-me` with an error). */
  async function fakeVswitchd(pid: number, answer = true): Promise<void> {
    await writeFile(path.join(dir, 'ovs-vswitchd.pid'), `${pid}\n`);
    server = net.createServer((socket) => {
      connections.push(socket);
      socket.on('data', (chunk) => {
        const request = JSON.parse(String(chunk)) as { id: number; method: string; params: string[] };
        requests.push({ method: request.method, params: request.params });
        const reply = request.method === 'fail-me' ? { result: null, error: 'unknown command\n' }
          : { result: `ovs-vswitchd (Open vSwitch) 3.1.0\n`, error: null };
        if (answer) socket.write(JSON.stringify({ id: request.id, ...reply }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(path.join(dir, `ovs-vswitchd.${pid}.ctl`), resolve));
  }

  it('connects to the ovs-vswitchd of the pid file and ends the moment that process closes its socket', async () => {
    await fakeVswitchd(4242);
    const session = await openVswitchdSession(dir);
    expect(session.pid).to.equal(4242);
    let ended = false;
    void session.closed.then(() => { ended = true; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ended).to.equal(false);
    connections[0]!.destroy();
    await session.closed;
  });

  it('fails while ovs-vswitchd is not running: no pid file, or a stale one', async () => {
    expect(await openVswitchdSession(dir).catch((e: unknown) => e)).to.be.instanceOf(VswitchdUnreachableError);
    await writeFile(path.join(dir, 'ovs-vswitchd.pid'), '4243\n');
    const stale = await openVswitchdSession(dir).catch((e: unknown) => e);
    expect(stale).to.be.instanceOf(VswitchdUnreachableError);
    expect((stale as Error).message).to.match(/cannot reach ovs-vswitchd at .*ovs-vswitchd\.4243\.ctl/);
  });

  it('fails on an ovs-vswitchd that does not answer', async () => {
    await fakeVswitchd(4244, false);
    const error = await openVswitchdSession(dir, 50).catch((e: unknown) => e);
    expect((error as Error).message).to.match(/did not answer within 50 ms/);
  });

  it('runs an ovs-appctl command on the control socket: its text, or its error named', async () => {
    await fakeVswitchd(4245);
    requests.length = 0;
    expect(await vswitchdCommand(dir, 'dpctl/flush-conntrack', ['zone=1', 'ct_nw_src=10.128.0.2'])).to.equal('ovs-vswitchd (Open vSwitch) 3.1.0\n');
    expect(requests).to.deep.equal([{ method: 'dpctl/flush-conntrack', params: ['zone=1', 'ct_nw_src=10.128.0.2'] }]);
    const error = await vswitchdCommand(dir, 'fail-me', ['x']).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(VswitchdCommandError);
    expect((error as Error).message).to.equal('ovs-appctl fail-me x failed: unknown command');
  });

  it('gives up on a command ovs-vswitchd does not answer, and fails without a pid file', async () => {
    expect(await vswitchdCommand(dir, 'version', []).catch((e: unknown) => e)).to.be.instanceOf(VswitchdUnreachableError);
    await fakeVswitchd(4246, false);
    const error = await vswitchdCommand(dir, 'version', [], 50).catch((e: unknown) => e);
    expect((error as Error).message).to.match(/did not answer version within 50 ms/);
  });
});
