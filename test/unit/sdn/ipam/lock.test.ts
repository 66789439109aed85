// The state lock: exclusive within the process and across processes, and broken only for dead owners.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpamLockTimeoutError } from '../../../../lib/sdn/ipam/errors.js';
import { StateLock } from '../../../../lib/sdn/ipam/lock.js';

async function tokenOf(pid: number): Promise<string> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  return `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

describe('IPAM state lock', function () {
  let base: string;
  let n = 0;
  const lockPath = (): string => path.join(base, `lock-${++n}`);

  before(async function () {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-lock-'));
  });

  after(async function () {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('runs callers in this process one at a time and removes the lock file afterwards', async function () {
    const file = lockPath();
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 5 }, () => new StateLock(file).withLock(async () => {
      peak = Math.max(peak, ++running);
      expect(await fs.readlink(file)).to.equal(await tokenOf(process.pid));
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    })));
    expect(peak).to.equal(1);
    await fs.lstat(file).then(() => expect.fail('lock file left behind'), () => undefined);
  });

  it('releases the lock when the task throws', async function () {
    const lock = new StateLock(lockPath());
    await lock.withLock(() => Promise.reject(new Error('boom'))).catch(() => undefined);
    expect(await lock.withLock(() => Promise.resolve('ok'))).to.equal('ok');
  });

  it('takes over the lock of a process that is gone, and of a reused pid', async function () {
    const dead = lockPath();
    await fs.symlink('999999999:1', dead);
    expect(await new StateLock(dead, 1000).withLock(() => Promise.resolve('ok'))).to.equal('ok');
    const reused = lockPath();
    await fs.symlink(`${process.ppid}:1`, reused);
    expect(await new StateLock(reused, 1000).withLock(() => Promise.resolve('ok'))).to.equal('ok');
  });

  it('takes over when a dead owner also left the breaker behind', async function () {
    const file = lockPath();
    await fs.symlink('999999999:1', file);
    await fs.symlink('999999998:1', `${file}.break`);
    expect(await new StateLock(file, 2000).withLock(() => Promise.resolve('ok'))).to.equal('ok');
    await fs.lstat(`${file}.break`).then(() => expect.fail('breaker left behind'), () => undefined);
  });

  it('waits for a live owner and times out naming it', async function () {
    const file = lockPath();
    await fs.symlink(await tokenOf(process.ppid), file);
    const started = Date.now();
    const error = await new StateLock(file, 300).withLock(() => Promise.resolve()).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(IpamLockTimeoutError);
    expect((error as Error).message).to.include(`held by process ${process.ppid}`);
    expect(Date.now() - started).to.be.at.least(300);
    expect(await fs.readlink(file)).to.equal(await tokenOf(process.ppid));
  });

  // A real clock change needs root and would disturb the machine: the wall clock is faked by replacing
  // Date.now, and jumps an hour while a caller waits; only a deadline on a monotonic clock ignores that.
  it('times a waiter on a monotonic clock: the wall clock jumping an hour ahead or back changes nothing', async function () {
    const realNow = Date.now;
    let jump = 0;
    Date.now = () => realNow() + jump;
    try {
      const file = lockPath();
      await fs.symlink(await tokenOf(process.ppid), file);
      setTimeout(() => { jump = 3_600_000; }, 50);
      setTimeout(() => void fs.rm(file), 300);
      await new StateLock(file, 5000).withLock(() => Promise.resolve());
      await fs.symlink(await tokenOf(process.ppid), file);
      setTimeout(() => { jump = -3_600_000; }, 50);
      const started = performance.now();
      const error = await new StateLock(file, 300).withLock(() => Promise.resolve()).catch((err: unknown) => err);
      expect(error).to.be.instanceOf(IpamLockTimeoutError);
      expect(performance.now() - started).to.be.below(3000);
      await fs.rm(file);
    } finally {
      Date.now = realNow;
    }
  });

  it('keeps two processes out of each other\'s critical sections', async function () {
    this.timeout(30_000);
    const worker = fileURLToPath(new URL('./lock-worker.js', import.meta.url));
    const file = lockPath();
    const log = path.join(base, 'holds.log');
    const children = [0, 1].map(() => spawn(process.execPath, [worker, file, log, '40'],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH } }));
    const codes = await Promise.all(children.map((child) => new Promise((resolve) => child.on('close', resolve))));
    expect(codes).to.deep.equal([0, 0]);
    const lines = (await fs.readFile(log, 'utf8')).trim().split('\n');
    expect(lines).to.have.length(160);
    expect(new Set(lines.map((line) => line.split(' ')[1])).size, 'both processes took the lock').to.equal(2);
    for (let i = 0; i < lines.length; i += 2) {
      expect([lines[i], lines[i + 1]], `hold ${i / 2}`).to.deep.equal([lines[i], lines[i]!.replace('S', 'E')]);
      expect(lines[i]).to.match(/^S /);
    }
  });
});
