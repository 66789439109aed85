// Other checkouts' pipelines against this one's, back to back: each round runs the data-plane section (--quick, one
// round) of every baseline tree and of this tree as separate processes, rotating which goes first.
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type SectionResult, repoRoot } from '../results.js';
import type { BenchProfile } from '../profile.js';
import type { DataplaneData } from './run.js';

/** The data-plane bench's own files: if they differ between the trees, the two sides were not measured alike. */
const MEASUREMENT_FILES = ['bench/dataplane/run.ts', 'bench/dataplane/setup.ts', 'bench/dataplane/tools.ts', 'bench/dataplane/bridge.ts'];

export interface TreeInfo {
  dir: string;
  commit: string;
  /** Uncommitted changes in lib/ or bench/dataplane/ when measured. */
  dirty: boolean;
  pipelineVersion: number;
}

export interface ServiceAbRun {
  pair: number;
  /** Index into `trees`. */
  tree: number;
  result: SectionResult<DataplaneData>;
}

export interface ServiceAbData {
  /** The baselines in the order given, then this checkout. */
  trees: TreeInfo[];
  /** `git diff` of the data-plane bench files between every baseline commit and this one is empty. */
  sameMeasurementCode: boolean;
  pairs: number;
  runs: ServiceAbRun[];
}

const git = async (dir: string, args: string[]) => (await promisify(execFile)('git', ['-C', dir, ...args])).stdout.trim();

async function treeInfo(dir: string): Promise<TreeInfo> {
  const tables = await import(pathToFileURL(path.join(dir, 'dist/lib/sdn/pipeline/tables.js')).href) as { PIPELINE_VERSION: number };
  return {
    dir, commit: await git(dir, ['rev-parse', 'HEAD']), pipelineVersion: tables.PIPELINE_VERSION,
    dirty: (await git(dir, ['status', '--porcelain', '--', 'lib', 'bench/dataplane'])) !== '',
  };
}

/** One data-plane run of the tree in `dir`, in its own process, and the result it saved (bench/results/quick/). */
async function dataplaneRun(dir: string, log: (line: string) => void): Promise<SectionResult<DataplaneData>> {
  log(`data-plane run of ${dir}`);
  const child = spawn(process.execPath, ['dist/bench/main.js', '--quick', '--only', 'dataplane'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('exit', resolve));
  if (code !== 0) throw new Error(`the data-plane run of ${dir} exited with ${code}`);
  return JSON.parse(await readFile(path.join(dir, 'bench/results/quick/dataplane.json'), 'utf8')) as SectionResult<DataplaneData>;
}

export async function runServiceAbSection(
  profile: BenchProfile, log: (line: string) => void, baselines: string | undefined,
): Promise<ServiceAbData> {
  if (!baselines) throw new Error('service-ab: --baseline DIR[,DIR...] (built checkouts of the commits to compare with) is required');
  const trees = [...await Promise.all(baselines.split(',').map((dir) => treeInfo(path.resolve(dir.trim())))), await treeInfo(repoRoot)];
  const current = trees[trees.length - 1]!;
  let sameMeasurementCode = true;
  for (const tree of trees.slice(0, -1)) {
    if (await git(repoRoot, ['diff', '--name-only', tree.commit, current.commit, '--', ...MEASUREMENT_FILES]) !== '') sameMeasurementCode = false;
  }
  const runs: ServiceAbRun[] = [];
  for (let pair = 0; pair < profile.serviceAb.pairs; pair++) {
    for (let k = 0; k < trees.length; k++) {
      const tree = (pair + k) % trees.length;
      runs.push({ pair, tree, result: await dataplaneRun(trees[tree]!.dir, log) });
    }
  }
  return { trees, sameMeasurementCode, pairs: profile.serviceAb.pairs, runs };
}
