// Runs a controller's operations one at a time, so its in-memory model always matches what it wrote.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // The caller gets `result` with its error; the queue itself only needs to know it settled.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
