// Serializes IPAM state changes: a queue per lock path inside this process, a lock file across processes.
// Node has no flock(2); the lock file is a symlink whose target names the owner ("pid:starttime"),
// created atomically by symlink(2) (EEXIST when held), and broken only when that process is gone.
import { promises as fs } from 'node:fs';
import { IpamLockTimeoutError, asStorageError } from './errors.js';

const queues = new Map<string, Promise<void>>();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The process start time (clock ticks since boot, /proc/PID/stat field 22), or '' without /proc. */
async function startTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; count fields after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '';
  }
}

let selfToken: Promise<string> | undefined;

/** "pid:starttime": a pid alone can be reused by another process after a crash or reboot. */
function ownerToken(): Promise<string> {
  selfToken ??= startTime(process.pid).then((start) => `${process.pid}:${start ?? ''}`);
  return selfToken;
}

async function isAlive(token: string): Promise<boolean> {
  const [pidText = '', start = ''] = token.split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const actual = await startTime(pid);
  if (actual === undefined) return false;
  return start === '' || actual === '' || actual === start;
}

async function readOwner(path: string): Promise<string | undefined> {
  try {
    return await fs.readlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function removeIf(path: string, owner: string): Promise<void> {
  if (await readOwner(path) !== owner) return;
  await fs.rm(path, { force: true });
}

export class StateLock {
  constructor(
    private readonly path: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Runs `task` holding the lock against this process's other callers and against other processes. */
  async withLock<T>(task: () => Promise<T>): Promise<T> {
    const previous = queues.get(this.path) ?? Promise.resolve();
    let done!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => { done = resolve; }));
    queues.set(this.path, tail);
    await previous;
    try {
      const me = await this.acquire();
      try {
        return await task();
      } finally {
        await removeIf(this.path, me);
      }
    } finally {
      done();
      if (queues.get(this.path) === tail) queues.delete(this.path);
    }
  }

  private async acquire(): Promise<string> {
    const me = await ownerToken();
    // Monotonic: a wall clock set forward must not time a waiter out early, nor one set back hold it forever.
    const deadline = performance.now() + this.timeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        await fs.symlink(me, this.path);
        return me;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw asStorageError(err, this.path, 'take the lock');
      }
      const holder = await readOwner(this.path);
      if (holder === undefined) continue;
      // Our own token while we hold the in-process queue can only be a leftover.
      if ((holder === me || !(await isAlive(holder))) && await this.breakStale(holder, me)) continue;
      if (performance.now() > deadline) {
        throw new IpamLockTimeoutError(`${this.path} is held by process ${holder.split(':')[0]} `
          + `for more than ${this.timeoutMs} ms`);
      }
      await sleep(delay);
    }
  }

  /**
   * Removes a dead owner's lock. A second lock (".break") makes "check it is still the dead owner's,
   * then remove" one step, so two processes breaking at once cannot remove a fresh lock.
   */
  private async breakStale(holder: string, me: string): Promise<boolean> {
    const breaker = `${this.path}.break`;
    try {
      await fs.symlink(me, breaker);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const breakerOwner = await readOwner(breaker);
      if (breakerOwner !== undefined && (breakerOwner === me || !(await isAlive(breakerOwner)))) {
        await removeIf(breaker, breakerOwner);
      }
      return false;
    }
    try {
      await removeIf(this.path, holder);
      return true;
    } finally {
      await fs.rm(breaker, { force: true });
    }
  }
}
