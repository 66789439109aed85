// Orders CNI operations: one at a time per container ID, containers in parallel, GC alone.

const ignore = (): void => undefined;

export class ContainerQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private exclusiveTail: Promise<void> = Promise.resolve();

  /** Runs `task` after every earlier task for `key` and every earlier exclusive task. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = Promise.all([previous, this.exclusiveTail]).then(task);
    const tail = result.then(ignore, ignore);
    this.tails.set(key, tail);
    this.inFlight.add(tail);
    void tail.then(() => {
      this.inFlight.delete(tail);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Runs `task` once everything queued before it has finished; tasks queued after it wait for it. */
  runExclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = Promise.all([this.exclusiveTail, ...this.inFlight]).then(task);
    this.exclusiveTail = result.then(ignore, ignore);
    return result;
  }
}
