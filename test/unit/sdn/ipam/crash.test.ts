// ADD/DEL churn with daemon kills: in-process instance drops, and a child process SIGKILLed mid-operation.
// After every kill the runtime's retry is replayed and disk must equal the model: no duplicate, no leak.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cidr } from '../../../../lib/net/ipv4.js';
import { HostSubnetIpam } from '../../../../lib/sdn/ipam/allocator.js';

const SUBNET = Cidr.parse('10.130.0.0/27');
const CONTAINERS = 20;

/** Deterministic randomness so a failure can be replayed from the logged seed. */
function rng(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

async function expectDiskEquals(ipam: HostSubnetIpam, model: Map<string, string>, context: string): Promise<void> {
  const records = await ipam.list();
  const ips = records.map((r) => r.ip);
  expect(new Set(ips).size, `${context}: duplicate address`).to.equal(ips.length);
  const onDisk = new Map(records.map((r) => [r.containerId, r.ip as string]));
  expect(onDisk.size, `${context}: one container holds two addresses`).to.equal(records.length);
  expect(onDisk, context).to.deep.equal(model);
}

describe('host-subnet IPAM under daemon kills', function () {
  let base: string;

  before(async function () {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-ipam-crash-'));
  });

  after(async function () {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('survives 1000 ADD/DEL cycles with random instance drops and stale locks', async function () {
    this.timeout(120_000);
    const seed = Date.now() % 100_000;
    const random = rng(seed);
    const stateDir = path.join(base, 'in-process');
    let ipam = await HostSubnetIpam.open({ stateDir, subnet: SUBNET });
    const model = new Map<string, string>();
    for (let cycle = 0; cycle < 1000; cycle++) {
      const id = `ctr${random(CONTAINERS)}`;
      const adding = !model.has(id);
      const operation = adding ? ipam.allocate(id, 'eth0') : ipam.release(id);
      if (random(20) === 0) {
        // The daemon dies with this operation in flight: the old instance is abandoned, a dead
        // owner's lock may be left behind, and the runtime retries the same ADD or DEL.
        await operation;
        if (random(2) === 0) await fs.symlink('999999999:1', path.join(stateDir, 'lock')).catch(() => undefined);
        ipam = await HostSubnetIpam.open({ stateDir, subnet: SUBNET });
        if (adding) model.set(id, (await ipam.allocate(id, 'eth0')).ip);
        else await ipam.release(id);
      } else if (adding) {
        model.set(id, ((await operation) as { ip: string }).ip);
      } else {
        await operation;
      }
      if (!adding) model.delete(id);
      await expectDiskEquals(ipam, model, `seed ${seed}, cycle ${cycle}`);
    }
    expect((await ipam.reconcile(model.keys())).released).to.deep.equal([]);
  });

  it('loses nothing and duplicates nothing when a process using it is SIGKILLed mid-operation', async function () {
    this.timeout(120_000);
    const worker = fileURLToPath(new URL('./ipam-worker.js', import.meta.url));
    const stateDir = path.join(base, 'sigkill');
    const model = new Map<string, string>();
    const seed = Date.now() % 100_000;
    const random = rng(seed);
    let completed = 0;
    let interrupted = 0;
    for (let kill = 0; completed < 400 && kill < 200; kill++) {
      const child = spawn(process.execPath, [worker, stateDir, SUBNET.toString(), '12', String(seed + kill)],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      let running = true;
      const exited = new Promise((resolve) => child.on('close', resolve)).then(() => { running = false; });
      // Kill once it has done some work, at a random point inside an operation.
      const lines = 10 + random(60);
      while (output.split('\n').length < lines) {
        expect(running, `worker exited on its own: ${output}`).to.equal(true);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await new Promise((resolve) => setTimeout(resolve, random(4)));
      child.kill('SIGKILL');
      await exited;

      let inFlight: { op: string; id: string } | undefined;
      for (const line of output.split('\n')) {
        const [tag, a = '', b = ''] = line.split(' ');
        if (tag === 'B') inFlight = { op: a, id: b };
        if (tag === 'A') model.set(a, b);
        if (tag === 'R') model.delete(a);
        if (tag === 'A' || tag === 'R' || tag === 'E') {
          inFlight = undefined;
          completed++;
        }
      }
      // The runtime retries the interrupted ADD or DEL; the retry must find what the kill left.
      const ipam = await HostSubnetIpam.open({ stateDir, subnet: SUBNET, lockTimeoutMs: 5_000 });
      if (inFlight) interrupted++;
      if (inFlight?.op === 'allocate') {
        const left = await ipam.lookup(inFlight.id, 'eth0');
        const retried = await ipam.allocate(inFlight.id, 'eth0');
        if (left) expect(retried.ip).to.equal(left.ip);
        model.set(inFlight.id, retried.ip);
      } else if (inFlight?.op === 'release') {
        await ipam.release(inFlight.id);
        model.delete(inFlight.id);
      }
      await expectDiskEquals(ipam, model, `seed ${seed}, kill ${kill}`);
    }
    expect(completed).to.be.at.least(400);
    expect(interrupted, 'no kill landed inside an operation').to.be.above(0);
  });

  it('keeps one address per container when two processes churn the same containers at once', async function () {
    this.timeout(60_000);
    const worker = fileURLToPath(new URL('./ipam-worker.js', import.meta.url));
    const stateDir = path.join(base, 'two-processes');
    const children = [1, 2].map((seed) => spawn(process.execPath, [worker, stateDir, SUBNET.toString(), '6', String(seed)],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH } }));
    const exited = children.map((child) => new Promise((resolve) => child.on('close', resolve)));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(exited);
    const ipam = await HostSubnetIpam.open({ stateDir, subnet: SUBNET, lockTimeoutMs: 5_000 });
    const records = await ipam.list();
    const owners = records.map((r) => r.containerId);
    expect(new Set(owners).size, JSON.stringify(records)).to.equal(owners.length);
    expect(records.length).to.be.at.most(6);
  });
});
