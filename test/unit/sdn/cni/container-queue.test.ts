// Ordering guarantees of the per-container queue, including failures and exclusive (GC) tasks.
import { expect } from 'chai';
import { ContainerQueue } from '../../../../lib/sdn/cni/container-queue.js';

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('container queue', function () {
  it('runs tasks of one container in order, even after a failure', async function () {
    const queue = new ContainerQueue();
    const log: string[] = [];
    const task = (name: string, fail = false) => async (): Promise<string> => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue.run('c', task('a', true)), queue.run('c', task('b'))]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'fulfilled']);
    expect(log).to.deep.equal(['start a', 'end a', 'start b', 'end b']);
  });

  it('runs different containers at the same time', async function () {
    const queue = new ContainerQueue();
    let running = 0;
    let peak = 0;
    const task = async (): Promise<void> => {
      peak = Math.max(peak, ++running);
      await tick(20);
      running--;
    };
    await Promise.all(['a', 'b', 'c'].map((id) => queue.run(id, task)));
    expect(peak).to.equal(3);
  });

  it('starts an exclusive task after earlier tasks and holds back later ones', async function () {
    const queue = new ContainerQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async (): Promise<void> => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
    };
    await Promise.all([
      queue.run('a', task('a', 20)),
      queue.runExclusive(task('gc', 10)),
      queue.run('b', task('b', 1)),
    ]);
    expect(log).to.deep.equal(['start a', 'end a', 'start gc', 'end gc', 'start b', 'end b']);
  });
});
