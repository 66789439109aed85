// Runs the sandbox's commands and owns its long-lived child processes (start, track on disk, stop).
import { execa } from 'execa';
import { readFile, readdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A command the sandbox ran exited non-zero (or could not start). */
export class SandboxCommandError extends Error {
  override name = 'SandboxCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(`${command} failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}: ${stderr.trim() || '(no stderr)'}`);
  }
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Return the result instead of throwing when the command exits non-zero. */
  reject?: boolean;
  timeoutMs?: number;
  input?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Environment for helper processes: without NODE_EXTRA_CA_CERTS a `node` child starts ~100 ms faster. */
export function helperEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'NODE_EXTRA_CA_CERTS') env[key] = value;
  }
  return { ...env, ...extra };
}

export async function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa(cmd, args, {
    env: helperEnv(options.env),
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 30_000,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  const exitCode = result.exitCode ?? -1;
  if (exitCode !== 0 && options.reject !== false) {
    const why = result.timedOut ? `timed out after ${options.timeoutMs ?? 30_000} ms` : result.stderr || (result.shortMessage ?? '');
    throw new SandboxCommandError([cmd, ...args].join(' '), result.exitCode, why);
  }
  return { stdout: result.stdout, stderr: result.stderr, exitCode };
}

/** A child process the sandbox started and must stop; its pidfile lets a later run kill it after a crash. */
export class TrackedProcess {
  readonly exited: Promise<void>;
  private running = true;

  constructor(
    readonly label: string,
    readonly subprocess: Child,
    private readonly pidFile: string | undefined,
  ) {
    this.exited = subprocess.then(
      () => this.markExited(),
      () => this.markExited(),
    );
  }

  get pid(): number {
    if (this.subprocess.pid === undefined) throw new SandboxCommandError(this.label, undefined, 'did not start');
    return this.subprocess.pid;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** SIGTERM (or `signal`), then SIGKILL if it is still alive after `graceMs`; resolves once reaped. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 2000): Promise<void> {
    if (this.running) {
      this.subprocess.kill(signal);
      const timer = sleep(graceMs, 'late' as const);
      if ((await Promise.race([this.exited.then(() => 'done' as const), timer])) === 'late') {
        this.subprocess.kill('SIGKILL');
      }
    }
    await this.exited;
  }

  private async markExited(): Promise<void> {
    this.running = false;
    if (this.pidFile) await rm(this.pidFile, { force: true });
  }
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Directory where a `<pid>.pid` record is kept while the process runs (for cleanupStale). */
  pidDir?: string;
  /**
   * Where stdout/stderr go: ignored unless 'pipe'. A piped stdout starts paused, keeping what the child prints:
   * the caller attaches its reader and then calls resume() (readline resumes by itself).
   */
  stdio?: 'ignore' | 'pipe';
  /** Standard input: none unless 'pipe' (a helper that takes requests line by line). */
  stdin?: 'ignore' | 'pipe';
}

function spawnChild(cmd: string, args: readonly string[], options: StartOptions) {
  return execa(cmd, args, {
    env: helperEnv(options.env),
    extendEnv: false,
    reject: false,
    stdin: options.stdin ?? 'ignore',
    stdout: options.stdio ?? 'ignore',
    stderr: options.stdio ?? 'ignore',
    buffer: false,
  });
}

type Child = ReturnType<typeof spawnChild>;

/**
 * Starts a long-lived child (daemons too, rather than `--detach`ed): stop() then knows the moment it
 * has exited, and execa kills it if this process exits without destroy(). Only a SIGKILLed test
 * process leaves children running; their pid records are what cleanupStale() kills.
 */
export async function startProcess(label: string, cmd: string, args: readonly string[],
  options: StartOptions = {}): Promise<TrackedProcess> {
  const subprocess = spawnChild(cmd, args, options);
  // execa resumes an output stream nobody reads one tick after the spawn, dropping what arrives: a child quick to
  // print its first line (a helper's "ready") could lose it to the awaits below. A paused stream is left alone.
  if (options.stdio === 'pipe') subprocess.stdout?.pause();
  subprocess.unref();
  const pid = subprocess.pid;
  if (pid === undefined) {
    const result = await subprocess;
    throw new SandboxCommandError([cmd, ...args].join(' '), result.exitCode, result.shortMessage ?? 'did not start');
  }
  let pidFile: string | undefined;
  if (options.pidDir) {
    pidFile = join(options.pidDir, `${pid}.pid`);
    await writeFile(pidFile, `${pid} ${await processStartTime(pid)}\n`);
  }
  return new TrackedProcess(label, subprocess, pidFile);
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), to tell a reused PID apart. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Kills a process that is not our child (a leftover from a crashed run): SIGTERM, then SIGKILL. */
export async function killPid(pid: number, graceMs = 1000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < graceMs; waited += 20) {
    if (!(await isAlive(pid))) return;
    await sleep(20);
  }
  signal('SIGKILL');
}

/** Lists `*.pid` files below `dir` (recursively) with the pid and optional start time each holds. */
export async function findPidFiles(dir: string): Promise<{ file: string; pid: number; startTime?: string }[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return [];
  }
  const found: { file: string; pid: number; startTime?: string }[] = [];
  for (const entry of entries.filter((name) => name.endsWith('.pid'))) {
    const file = join(dir, entry);
    const [pidText, startTime] = (await readFile(file, 'utf8').catch(() => '')).trim().split(/\s+/);
    const pid = Number(pidText);
    if (Number.isInteger(pid) && pid > 1) found.push(startTime ? { file, pid, startTime } : { file, pid });
  }
  return found;
}

/** Polls `check` every `intervalMs` until it returns true; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new SandboxCommandError(`waiting for ${what}`, undefined, `not ready after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
