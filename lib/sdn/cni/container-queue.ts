// Orders CNI operations: one at a time per container ID, containers in parallel, GC alone.
import { SerialQueue } from '../../serial-queue.js';

const ignore = (): void => undefined;

export class ContainerQueue {
  /** One lane per container ID with work queued; a lane goes once it is empty. */
  private readonly lanes = new Map<string, SerialQueue>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Settles when the last exclusive task has: tasks queued after it wait for it. */
  private barrier: Promise<void> = Promise.resolve();

  /** Runs `task` after every earlier task for `key` and every earlier exclusive task. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(key) ?? new SerialQueue();
    this.lanes.set(key, lane);
    const barrier = this.barrier;
    const result = lane.run(async () => {
      await barrier;
      return task();
    });
    const settled = result.then(ignore, ignore);
    this.inFlight.add(settled);
    void settled.then(() => {
      this.inFlight.delete(settled);
      if (lane.size === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
    });
    return result;
  }

  /** Runs `task` once everything queued before it has finished; tasks queued after it wait for it. */
  runExclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = Promise.all([this.barrier, ...this.inFlight]).then(task);
    this.barrier = result.then(ignore, ignore);
    return result;
  }
}
