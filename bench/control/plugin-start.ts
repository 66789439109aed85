// How long the CNI plugin takes to start: the self-contained executable the DaemonSet installs against the
// Node.js script the RPM installs, and `node -e 0`, the floor of any Node.js process (CNI VERSION each).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PLUGIN } from '../../test/support/cluster.js';
import type { BenchProfile } from '../profile.js';
import { repoRoot } from '../results.js';
import { type Summary, summarize } from '../stats.js';
import { ENV_MODES, type EnvMode, envFor } from './plugin.js';

export type PluginVariant = 'sea' | 'script' | 'node-e-0';
export const PLUGIN_VARIANTS: readonly PluginVariant[] = ['sea', 'script', 'node-e-0'];

export interface PluginStartData {
  seaBytes: number;
  runsPerVariant: number;
  startMs: Record<EnvMode, Record<PluginVariant, Summary>>;
}

const CONFIG = '{"cniVersion":"1.0.0","name":"k8s-ovs","type":"k8s-ovs"}';

function timedRun(file: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = execFile(file, args, { env }, (error, stdout) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${error.message}`));
      else if (args.length === 0 && !stdout.includes('supportedVersions')) reject(new Error(`${file}: no VERSION answer: ${stdout}`));
      else resolve(performance.now() - start);
    });
    child.stdin?.end(CONFIG);
  });
}

export async function runPluginStartSection(profile: BenchProfile, log: (line: string) => void): Promise<PluginStartData> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-sea-'));
  try {
    const sea = path.join(work, 'k8s-ovs');
    await promisify(execFile)(path.join(repoRoot, 'scripts', 'build-cni-plugin.sh'), [sea]);
    const commands: Record<PluginVariant, [string, string[]]> = { sea: [sea, []], script: [PLUGIN, []], 'node-e-0': [process.execPath, ['-e', '0']] };
    const startMs = {} as PluginStartData['startMs'];
    const runs = profile.cni.pluginStarts * 2;
    for (const mode of ENV_MODES) {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: 'VERSION', ...envFor(mode) };
      const samples: Record<PluginVariant, number[]> = { sea: [], script: [], 'node-e-0': [] };
      // Warm the page cache, then interleave the variants so that load from other work hits them alike.
      for (const variant of PLUGIN_VARIANTS) await timedRun(...commands[variant], env);
      for (let i = 0; i < runs; i++) {
        for (const variant of PLUGIN_VARIANTS) samples[variant].push(await timedRun(...commands[variant], env));
      }
      startMs[mode] = { sea: summarize(samples.sea), script: summarize(samples.script), 'node-e-0': summarize(samples['node-e-0']) };
      log(`plugin start (${mode}): SEA p50 ${startMs[mode].sea.p50.toFixed(0)} ms, script ${startMs[mode].script.p50.toFixed(0)} ms, `
        + `node -e 0 ${startMs[mode]['node-e-0'].p50.toFixed(0)} ms`);
    }
    return { seaBytes: (await stat(sea)).size, runsPerVariant: runs, startMs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
