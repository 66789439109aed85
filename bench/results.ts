// Where raw results live (bench/results/*.json) and what each records about the machine it ran on.
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root, from dist/bench/. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type SectionName = 'cni' | 'plugin' | 'flows' | 'scale' | 'scale-growth' | 'fixed' | 'dataplane' | 'netpol' | 'netpol-dataplane' | 'service-ab';
export const SECTIONS: readonly SectionName[] = ['cni', 'plugin', 'flows', 'scale', 'scale-growth', 'fixed', 'dataplane', 'netpol', 'netpol-dataplane', 'service-ab'];
/**
 * What a run without --only measures, within its 10-minute budget. The NetworkPolicy sections (about 5 min together),
 * scale-growth (the scale run again at 5,000 nodes) and service-ab (a second checkout, --baseline) run when named.
 */
export const DEFAULT_SECTIONS: readonly SectionName[] = ['cni', 'plugin', 'flows', 'scale', 'fixed', 'dataplane'];

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryMb: number;
  kernel: string;
  node: string;
  ovs: string;
  /** 1-minute load average when the section started: other work on this shared machine. */
  loadBefore: number;
  loadAfter?: number;
  /** Cores kept busy by other work during 2 s before the section started (the bench itself idle): /proc/stat. */
  busyCoresBefore: number;
  /** The compiled daemon and plugin (dist/) were rebuilt or missing at some point of the section: another build ran meanwhile. */
  buildChanged?: boolean;
  datapath: 'netdev (userspace)';
}

export interface SectionResult<T> {
  section: SectionName;
  profile: 'quick' | 'full';
  startedAt: string;
  durationS: number;
  machine: MachineInfo;
  data: T;
}

export function resultsDir(profile: 'quick' | 'full'): string {
  return path.join(repoRoot, 'bench', 'results', ...(profile === 'quick' ? ['quick'] : []));
}

async function cpuTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** How many cores other work keeps busy, sampled over `ms` while this process waits. */
export async function busyCores(ms = 2000): Promise<number> {
  const a = await cpuTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = await cpuTicks();
  return ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * os.cpus().length;
}

export async function machineInfo(): Promise<MachineInfo> {
  const ovs = await promisify(execFile)('ovs-vswitchd', ['--version']).then((r) => r.stdout.split('\n')[0]!.trim(), () => 'unknown');
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    node: process.version,
    ovs,
    loadBefore: os.loadavg()[0]!,
    busyCoresBefore: await busyCores(),
    datapath: 'netdev (userspace)',
  };
}

const BUILD_FILES = ['dist/lib/cniclient/main.cjs', 'dist/lib/sdn/daemon/main.js'];

/** Modification times of the daemon's and plugin's compiled entry points (0: missing). */
export async function buildStamp(): Promise<string> {
  const times = await Promise.all(BUILD_FILES.map((file) => stat(path.join(repoRoot, file)).then((s) => s.mtimeMs, () => 0)));
  return times.join(',');
}

/** Checks every second whether the build changed under the running bench (a shared tree: others rebuild it). */
export function watchBuild(): { stop(): Promise<boolean> } {
  let changed = false;
  let first: string | undefined;
  const timer = setInterval(() => {
    void buildStamp().then((stamp) => {
      first ??= stamp;
      if (stamp !== first || stamp.split(',').includes('0')) changed = true;
    });
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      const stamp = await buildStamp();
      return changed || (first !== undefined && stamp !== first);
    },
  };
}

export async function saveSection<T>(dir: string, result: SectionResult<T>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${result.section}.json`);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** Every section result found in `dir` (the last run of each). */
export async function loadSections(dir: string): Promise<Partial<Record<SectionName, SectionResult<unknown>>>> {
  const found: Partial<Record<SectionName, SectionResult<unknown>>> = {};
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const section = name.replace(/\.json$/, '') as SectionName;
    if (!SECTIONS.includes(section)) continue;
    found[section] = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as SectionResult<unknown>;
  }
  return found;
}
