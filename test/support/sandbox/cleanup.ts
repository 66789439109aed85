// Finds and removes what a sandbox run left behind: processes, namespaces and temp directories, by name prefix.
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteNetns, listNetns, netnsPids } from './netns.js';
import { findPidFiles, isAlive, killPid, processStartTime } from './process.js';

/** Every sandbox keeps its files in `${DEFAULT_TEMP_ROOT}/${prefix}` unless told otherwise. */
export const DEFAULT_TEMP_ROOT = join(tmpdir(), 'k8s-ovs-sandbox');

const PREFIX_PATTERN = /^[a-z][a-z0-9-]{2,19}$/;

export function validatePrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`sandbox prefix "${prefix}" must match ${PREFIX_PATTERN} (it names namespaces and directories)`);
  }
}

export interface StaleCleanupReport {
  killed: number[];
  netns: string[];
  dirs: string[];
}

/** Whether `pid` is still the process a pidfile recorded, not an unrelated one that reused the number. */
async function isRecordedProcess(pid: number, startTime: string | undefined, dir: string): Promise<boolean> {
  if (!(await isAlive(pid))) return false;
  if (startTime !== undefined) return (await processStartTime(pid)) === startTime;
  // OVS's own pidfiles hold only the pid; its command line names the run directory.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(dir);
}

/** Kills every process in the namespace, then deletes it. */
export async function removeNetns(name: string): Promise<number[]> {
  const pids = await netnsPids(name);
  await Promise.all(pids.map((pid) => killPid(pid)));
  await deleteNetns(name);
  return pids;
}

/**
 * Removes leftovers of crashed runs whose prefix starts with `prefix`: processes recorded by pidfiles
 * under the temp root, every process inside a matching namespace, the namespaces and the directories.
 * Pass a run's full prefix; a shorter one (e.g. `ksb`) sweeps every run of that family, live ones too.
 */
export async function cleanupStale(prefix: string, options: { tempRoot?: string } = {}): Promise<StaleCleanupReport> {
  validatePrefix(prefix);
  const tempRoot = options.tempRoot ?? DEFAULT_TEMP_ROOT;
  const report: StaleCleanupReport = { killed: [], netns: [], dirs: [] };
  const dirs = (await readdir(tempRoot).catch(() => [] as string[])).filter((name) => name.startsWith(prefix));
  for (const dir of dirs.map((name) => join(tempRoot, name))) {
    for (const { pid, startTime } of await findPidFiles(dir)) {
      if (await isRecordedProcess(pid, startTime, dir)) {
        await killPid(pid);
        report.killed.push(pid);
      }
    }
  }
  for (const name of (await listNetns()).filter((ns) => ns.startsWith(prefix))) {
    report.killed.push(...(await removeNetns(name)));
    report.netns.push(name);
  }
  for (const dir of dirs.map((name) => join(tempRoot, name))) {
    await rm(dir, { recursive: true, force: true });
    report.dirs.push(dir);
  }
  return report;
}
