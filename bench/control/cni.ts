// CNI ADD and DEL latency as a runtime sees it (plugin process included), with the real daemon on a sandbox node.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SandboxCluster } from '../../test/support/cluster.js';
import type { PodNetns, SandboxNode } from '../../test/support/sandbox/index.js';
import type { BenchProfile } from '../profile.js';
import { using } from '../teardown.js';
import { type Summary, mapLimit, summarize } from '../stats.js';
import { cpuTime, ovsPids, processName, processRss, rssSampler, startControlCluster, startDaemon } from './cluster.js';
import { measureOvsPart, type OvsPartResult } from './ovs-baseline.js';
import { measurePortFloor, type PortFloorResult } from './port-floor.js';
import { ENV_MODES, type EnvMode, callPlugin, expectSuccess, machineCaCerts } from './plugin.js';
import { type OperationProfile, profileOperations, readCalls, writeShims } from './shims.js';

export interface CniPass {
  env: EnvMode;
  /** 1 = sequential. */
  concurrency: number;
  pods: number;
  addMs: Summary;
  delMs: Summary;
  /** The same calls as the daemon timed them (no plugin process, no socket). */
  daemonAddMs: Summary;
  daemonDelMs: Summary;
  /** Wall time of all ADDs / all DELs of the pass, seconds. */
  addWallS: number;
  delWallS: number;
  /** CPU per pod (ms) while the ADDs / DELs of the pass ran. */
  addCpuMs: CpuPerPod;
  delCpuMs: CpuPerPod;
  failures: string[];
  /** Pods whose eth0 was still there after their DEL succeeded. */
  leftovers: string[];
  addSamples: number[];
  delSamples: number[];
}

export interface CniData {
  /** NODE_EXTRA_CA_CERTS as this machine set it for the bench process (null: unset). */
  machineCaCerts: string | null;
  pluginStartMs: Record<EnvMode, Summary>;
  passes: CniPass[];
  rss: { process: string; idleMb: number; maxDuringMb: number; afterMb: number; peakMb: number };
  profile: { add: OperationProfile & { daemonMs: Summary }; del: OperationProfile & { daemonMs: Summary } };
  /** lib/exec's runner running /bin/true: the cost of one program run, in a bare process and with the daemon's modules. */
  spawnMs: { bare: SpawnProbe; daemonModules: SpawnProbe };
  ovsPart: OvsPartResult;
  /** ovs-vswitchd alone adding a port as the bridge fills up (absent from results older than 2026-12-04). */
  portFloor?: PortFloorResult;
  /** With --baseline DIR: the same clean passes with that checkout's plugin and daemon, in the same run. */
  baseline?: BaselinePasses;
}

export interface BaselinePasses {
  dir: string;
  commit: string;
  passes: CniPass[];
}

const now = () => performance.timeOrigin + performance.now();

/** CPU spent per pod by everyone involved, from /proc: where the time goes when many ADDs run at once. */
export interface CpuPerPod {
  daemon: number;
  /** Programs the daemon ran (ip, ovs-vsctl, ovs-ofctl, …). */
  daemonPrograms: number;
  /** ovs-vswitchd and ovsdb-server of the node. */
  ovs: number;
  /** The plugin processes (children of the bench). */
  plugins: number;
}

async function cpuSnapshot(daemonPid: number, ovs: number[]) {
  const daemon = await cpuTime(daemonPid);
  const bench = await cpuTime('self');
  let ovsMs = 0;
  for (const pid of ovs) ovsMs += (await cpuTime(pid)).selfMs;
  return { daemon: daemon.selfMs, daemonPrograms: daemon.childrenMs, ovs: ovsMs, plugins: bench.childrenMs };
}

function perPod(before: CpuPerPod, after: CpuPerPod, pods: number): CpuPerPod {
  return {
    daemon: (after.daemon - before.daemon) / pods, daemonPrograms: (after.daemonPrograms - before.daemonPrograms) / pods,
    ovs: (after.ovs - before.ovs) / pods, plugins: (after.plugins - before.plugins) / pods,
  };
}

async function pass(cluster: SandboxCluster, node: SandboxNode, pods: PodNetns[], env: EnvMode, concurrency: number,
  tag: string, plugin?: string): Promise<CniPass> {
  const ids = pods.map((_, i) => `${tag}-${i}`);
  const samples = { ADD: [] as number[], DEL: [] as number[] };
  const wall = { ADD: 0, DEL: 0 };
  const cpu = {} as Record<'ADD' | 'DEL', CpuPerPod>;
  const failures: string[] = [];
  const delFailed = new Set<number>();
  const daemonPid = cluster.daemons.get(node.name)!.pid;
  const ovs = await ovsPids(node);
  for (const command of ['ADD', 'DEL'] as const) {
    const before = await cpuSnapshot(daemonPid, ovs);
    const start = performance.now();
    await mapLimit(pods, concurrency, async (pod, i) => {
      const run = await callPlugin(cluster, node, { command, containerId: ids[i]!, netns: pod.netnsPath }, env, plugin);
      if (run.exitCode === 0) samples[command].push(run.ms);
      else if (command === 'DEL') delFailed.add(i);
      if (run.exitCode !== 0) failures.push(`${command} ${ids[i]}: exit ${run.exitCode} ${(run.stdout.trim() || run.stderr.trim()).replace(/\s+/g, ' ').slice(0, 300)}`);
    });
    wall[command] = (performance.now() - start) / 1000;
    cpu[command] = perPod(before, await cpuSnapshot(daemonPid, ovs), pods.length);
  }
  const daemon = daemonTimes(await cluster.log(node), new Set(ids));
  return {
    env, concurrency, pods: pods.length, addMs: summarize(samples.ADD), delMs: summarize(samples.DEL),
    daemonAddMs: summarize(daemon.ADD), daemonDelMs: summarize(daemon.DEL), addWallS: wall.ADD, delWallS: wall.DEL,
    addCpuMs: cpu.ADD, delCpuMs: cpu.DEL,
    failures, leftovers: await leftoverInterfaces(pods, delFailed), addSamples: samples.ADD, delSamples: samples.DEL,
  };
}

/** The daemon's own time per request (its `CNI ADD ... ms=N` log lines: from request read to reply). */
export function daemonTimes(log: string, ids: ReadonlySet<string>): { ADD: number[]; DEL: number[] } {
  const times = { ADD: [] as number[], DEL: [] as number[] };
  for (const match of log.matchAll(/ CNI (ADD|DEL) containerId=(\S+) .*?ms=(\d+)/g)) {
    if (ids.has(match[2]!)) times[match[1] as 'ADD' | 'DEL'].push(Number(match[3]));
  }
  return times;
}

/** Pod netns that still hold eth0 after a successful DEL (removed here, so that the next pass can run). */
async function leftoverInterfaces(pods: PodNetns[], delFailed: ReadonlySet<number>): Promise<string[]> {
  const left: string[] = [];
  for (const [i, pod] of pods.entries()) {
    const { stdout } = await pod.exec('ip', ['-o', 'link', 'show'], { reject: false });
    if (!/ eth0[@:]/.test(stdout)) continue;
    if (!delFailed.has(i)) left.push(`${pod.name}: ${stdout.split('\n').filter((l) => l.includes('eth0')).join(' ').replace(/\s+/g, ' ').slice(0, 160)}`);
    await pod.exec('ip', ['link', 'del', 'eth0'], { reject: false });
  }
  return left;
}

/** Sequential ADDs then DELs with timing shims in the daemon's PATH; each call's window attributes the programs. */
async function profiledPasses(cluster: SandboxCluster, node: SandboxNode, pods: PodNetns[]): Promise<CniData['profile']> {
  const shims = await writeShims(path.join(cluster.sandbox.runDir, 'shims'));
  await cluster.stopDaemon(node);
  await startDaemon(cluster, node, { env: { PATH: `${shims.pathPrefix}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` } });
  const windows = { add: [] as Array<{ startMs: number; endMs: number }>, del: [] as Array<{ startMs: number; endMs: number }> };
  for (const op of ['ADD', 'DEL'] as const) {
    for (const [i, pod] of pods.entries()) {
      const startMs = now();
      expectSuccess(await callPlugin(cluster, node, { command: op, containerId: `prof-${i}`, netns: pod.netnsPath }, 'clean'), `${op} prof-${i}`);
      windows[op === 'ADD' ? 'add' : 'del'].push({ startMs, endMs: now() });
    }
  }
  const calls = await readCalls(shims.log);
  const ids = new Set(pods.map((_, i) => `prof-${i}`));
  const daemon = daemonTimes(await cluster.log(node), ids);
  // Stopped, so that its watchdog does not run beside the next measurement.
  await cluster.stopDaemon(node);
  return {
    add: { ...profileOperations(windows.add, calls), daemonMs: summarize(daemon.ADD) },
    del: { ...profileOperations(windows.del, calls), daemonMs: summarize(daemon.DEL) },
  };
}

export interface SpawnProbe {
  /** lib/exec/command.ts's localRunner (execa). */
  runner: { p50: number; p90: number };
  /** node:child_process.execFile, for comparison. */
  execFile: { p50: number; p90: number };
  rssMb: number;
}

async function spawnProbe(withDaemonModules: boolean): Promise<SpawnProbe> {
  const script = fileURLToPath(new URL('./spawn-probe.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script, withDaemonModules ? 'daemon' : 'bare', '80'],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  return JSON.parse(stdout) as SpawnProbe;
}

export async function runCniSection(profile: BenchProfile, log: (line: string) => void, baseline?: string): Promise<CniData> {
  return using(startControlCluster, async (cluster) => {
    const n1 = cluster.node('n1');
    const daemon = await startDaemon(cluster, n1);
    const name = await processName(daemon.pid);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idle = await processRss(daemon.pid);
    log(`daemon (${name}) idle RSS ${idle.rssMb.toFixed(1)} MiB`);

    const pods: PodNetns[] = [];
    for (let i = 0; i < profile.cni.pods; i++) pods.push(await cluster.sandbox.createPodNetns(`c${i}`));

    const pluginStartMs = {} as Record<EnvMode, Summary>;
    for (const env of ENV_MODES) {
      const samples: number[] = [];
      for (let i = 0; i < profile.cni.pluginStarts; i++) {
        samples.push(expectSuccess(await callPlugin(cluster, n1, { command: 'VERSION', containerId: 'v', netns: '' }, env), 'VERSION').ms);
      }
      pluginStartMs[env] = summarize(samples);
      log(`plugin start (VERSION, ${env}): p50 ${pluginStartMs[env].p50} ms`);
    }

    // Warm-up: the daemon's first ADDs pay for lazy loading and JIT.
    await pass(cluster, n1, pods.slice(0, 3), 'clean', 1, 'warm');
    const sampler = rssSampler(daemon.pid);
    const passes: CniPass[] = [];
    for (const concurrency of [1, profile.cni.concurrency]) {
      for (const env of ENV_MODES) {
        // NODE_EXTRA_CA_CERTS adds a constant to each plugin start: fewer pods show it, and keep the run short.
        const some = env === 'clean' ? pods : pods.slice(0, profile.cni.caCertsPods);
        const result = await pass(cluster, n1, some, env, concurrency, `${env}-${concurrency}`);
        passes.push(result);
        log(`CNI ${env} x${concurrency}: ADD p50 ${result.addMs.p50} p99 ${result.addMs.p99} ms; DEL p50 ${result.delMs.p50} p99 ${result.delMs.p99} ms` +
          (result.failures.length ? `; ${result.failures.length} failed, e.g. ${result.failures[0]}` : '') +
          (result.leftovers.length ? `; eth0 left behind after DEL in ${result.leftovers.length} pods` : ''));
      }
    }
    const maxDuringMb = await sampler.stop();
    const after = await processRss(daemon.pid);
    const baselinePasses = baseline ? await runBaseline(cluster, n1, pods, profile, baseline.split(',')[0]!.trim(), log) : undefined;

    const profiled = await profiledPasses(cluster, n1, pods.slice(0, profile.cni.profiledPods));
    log(`profile: ADD ${profiled.add.totalMs.p50.toFixed(0)} ms, of which programs ${profiled.add.programsMs.p50.toFixed(0)} ms`);
    const spawnMs = { bare: await spawnProbe(false), daemonModules: await spawnProbe(true) };
    log(`one program run (daemon's modules loaded): runner ${spawnMs.daemonModules.runner.p50.toFixed(1)} ms, execFile ${spawnMs.daemonModules.execFile.p50.toFixed(1)} ms`);
    const ovsPart = await measureOvsPart(cluster.node('n2'), profile.cni.baselinePods);
    log(`OVS part: ours p50 ${ovsPart.addMs.ours.p50.toFixed(1)} ms, baseline p50 ${ovsPart.addMs.baseline.p50.toFixed(1)} ms`);
    const portFloor = await measurePortFloor(cluster.node('n2'), [0, profile.cni.pods / 2, profile.cni.pods], profile.cni.profiledPods);
    log(`port floor: ${portFloor.points.map((p) => `${p.portsBefore} ports ${p.addPortMs.p50.toFixed(1)} ms`).join(', ')}`);
    return {
      machineCaCerts: machineCaCerts ?? null,
      pluginStartMs,
      passes,
      rss: { process: name, idleMb: idle.rssMb, maxDuringMb, afterMb: after.rssMb, peakMb: after.peakMb },
      profile: profiled,
      spawnMs,
      ovsPart,
      portFloor,
      ...(baselinePasses ? { baseline: baselinePasses } : {}),
    };
  });
}

/**
 * The clean passes again with another checkout's plugin and daemon (`--baseline DIR`, built), right after this
 * checkout's: the figures the issue's targets are compared with come from the same run and machine load.
 */
async function runBaseline(cluster: SandboxCluster, node: SandboxNode, pods: PodNetns[], profile: BenchProfile, dir: string,
  log: (line: string) => void): Promise<BaselinePasses> {
  const checkout = path.resolve(dir);
  const commit = (await promisify(execFile)('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'])).stdout.trim();
  await cluster.stopDaemon(node);
  await startDaemon(cluster, node, { daemon: path.join(checkout, 'bin', 'k8s-ovs') });
  const plugin = path.join(checkout, 'bin', 'k8s-ovs-cni');
  await pass(cluster, node, pods.slice(0, 3), 'clean', 1, 'base-warm', plugin);
  const passes: CniPass[] = [];
  for (const concurrency of [1, profile.cni.concurrency]) {
    const result = await pass(cluster, node, pods, 'clean', concurrency, `base-${concurrency}`, plugin);
    passes.push(result);
    log(`CNI baseline ${commit} x${concurrency}: ADD p50 ${result.addMs.p50} p99 ${result.addMs.p99} ms; DEL p50 ${result.delMs.p50} ` +
      `p99 ${result.delMs.p99} ms` + (result.failures.length ? `; ${result.failures.length} failed, e.g. ${result.failures[0]}` : ''));
  }
  await cluster.stopDaemon(node);
  await startDaemon(cluster, node);
  return { dir: checkout, commit, passes };
}
