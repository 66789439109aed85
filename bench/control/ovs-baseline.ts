// The OVS part of a pod ADD/DEL done our way (lib objects: the port over OVSDB, one bundle) and the original way
// (openshift-sdn-ovs / k8s-ovs scripts: add-port, get ofport, one ovs-ofctl add-flow per flow), interleaved.
import path from 'node:path';
import { type CommandRunner, type RunOptions, localRunner } from '../../lib/exec/command.js';
import { intToIpv4, ipv4ToInt } from '../../lib/net/ipv4.js';
import { FlowSync } from '../../lib/ovs/flowsync.js';
import { flowKey, ofPort, renderFlow } from '../../lib/ovs/flow.js';
import { OvsSwitch } from '../../lib/ovs/switch.js';
import { type LocalPod, NodeDataplane } from '../../lib/sdn/node/dataplane.js';
import { podMac } from '../../lib/sdn/node/podports.js';
import { type PodPort, podFlows } from '../../lib/sdn/pipeline/flows.js';
import type { Vnid } from '../../lib/tenant/vnid.js';
import type { SandboxNode } from '../../test/support/sandbox/index.js';
import { startNodePlane } from '../../test/support/nodeplane.js';
import { type Summary, summarize } from '../stats.js';

export interface OvsPartResult {
  pods: number;
  flowsPerPod: number;
  processesPerAdd: { ours: number; baseline: number };
  processesPerDel: { ours: number; baseline: number };
  /** The programs one pod's ADD and DEL ran, each way. */
  commands: { addOurs: string[]; addBaseline: string[]; delOurs: string[]; delBaseline: string[] };
  addMs: { ours: Summary; baseline: Summary };
  delMs: { ours: Summary; baseline: Summary };
  /** Per pod, baseline time / our time, for ADD and DEL (same pod index, back to back). */
  addRatio: Summary;
  delRatio: Summary;
}

const SUBNET = '10.143.254.0/23';

/** Counts processes, so the doc can say how many each way spawns. */
class Counting implements CommandRunner {
  count = 0;
  readonly verbs: string[] = [];
  constructor(private readonly inner: CommandRunner) {}
  run(command: string, args: readonly string[], options?: RunOptions): Promise<string> {
    this.count += 1;
    this.verbs.push(`${command} ${args.find((a) => !a.startsWith('-') && !a.startsWith('OpenFlow')) ?? ''}`);
    return this.inner.run(command, args, options);
  }
}

/** One timed ADD or DEL of one pod, with the programs it ran. */
interface Run {
  ms: number;
  processes: number;
  verbs: string[];
}

async function timedMs(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Runs on a node with no daemon; OVS is reached through its sockets, so no nsenter per command. */
export async function measureOvsPart(node: SandboxNode, pods: number): Promise<OvsPartResult> {
  await startNodePlane(node, SUBNET);
  const runner = new Counting(localRunner());
  const ovs = new OvsSwitch(runner, { bridge: 'br0', runDir: node.ovsRunDir, datapathType: 'netdev' });
  const dataplane = new NodeDataplane(new FlowSync(ovs));
  const db = `--db=unix:${path.join(node.ovsRunDir, 'db.sock')}`;
  const mgmt = node.mgmtSocket('br0');
  const vsctl = (...args: string[]) => runner.run('ovs-vsctl', [db, '--timeout=30', ...args]);
  const ofctl = (...args: string[]) => runner.run('ovs-ofctl', ['-O', 'OpenFlow13', ...args]);

  // Real veths (the host ends are what the port calls attach), made beforehand and not timed.
  const names = Array.from({ length: pods }, (_, i) => [`bo${i}`, `bb${i}`] as const);
  const lines = names.flatMap(([ours, base]) => [ours, base].flatMap((n) => [`link add ${n} type veth peer name ${n}p`, `link set ${n} up`]));
  await node.exec('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });

  const base = ipv4ToInt('10.143.254.10');
  const podOf = (name: string, index: number, ofport: number): LocalPod => {
    const ip = intToIpv4(base + index);
    const port: PodPort = { portName: name, ofport: ofPort(ofport), ip, mac: podMac(ip), vnid: 11 as Vnid };
    return { containerId: `bench-${name}`, ifname: 'eth0', namespace: 'bench', name, netnsPath: `/var/run/netns/${name}`, port };
  };
  const externalIds = (pod: LocalPod) => ({
    'k8s-ovs-container-id': pod.containerId, 'k8s-ovs-ifname': pod.ifname, 'k8s-ovs-namespace': pod.namespace,
    'k8s-ovs-pod': pod.name, 'k8s-ovs-netns': pod.netnsPath, 'k8s-ovs-ip': pod.port.ip, 'k8s-ovs-mac': pod.port.mac,
  });

  /** Each way's timed ADD and DEL runs, pod by pod; the last one names the programs it ran. */
  const runs: Record<'ours' | 'baseline', { add: Run[]; del: Run[] }> = { ours: { add: [], del: [] }, baseline: { add: [], del: [] } };
  const counted = async (work: () => Promise<unknown>): Promise<Run> => {
    const before = runner.count;
    const ms = await timedMs(work);
    return { ms, processes: runner.count - before, verbs: runner.verbs.slice(before) };
  };
  let flowsPerPod = 0;

  const ours = async (name: string, index: number) => {
    // Only its external IDs are used, and they hold no ofport: 1 stands in (0 is not an OpenFlow port number).
    const draft = podOf(name, index, 1);
    const a = await counted(async () => {
      const ofport = await ovs.ensurePort({ name, externalIds: externalIds(draft) });
      await dataplane.addPod(podOf(name, index, ofport));
    });
    const d = await counted(async () => {
      await dataplane.removePod(name);
      await ovs.deletePort(name);
    });
    runs.ours.add.push(a);
    runs.ours.del.push(d);
  };
  const baseline = async (name: string, index: number) => {
    let flows: ReturnType<typeof podFlows> = [];
    const a = await counted(async () => {
      await vsctl('add-port', 'br0', name);
      const ofport = Number((await vsctl('get', 'Interface', name, 'ofport')).trim());
      flows = podFlows(podOf(name, 100_000 + index, ofport).port);
      for (const flow of flows) await ofctl('add-flow', mgmt, renderFlow(flow));
    });
    const d = await counted(async () => {
      for (const flow of flows) await ofctl('--strict', 'del-flows', mgmt, flowKey(flow));
      await vsctl('--if-exists', 'del-port', 'br0', name);
    });
    flowsPerPod = flows.length;
    runs.baseline.add.push(a);
    runs.baseline.del.push(d);
  };

  try {
    for (const [index, [oursName, baseName]] of names.entries()) {
      // Alternate which goes first, so that neither always runs on a warmer switch.
      if (index % 2 === 0) {
        await ours(oursName, index);
        await baseline(baseName, index);
      } else {
        await baseline(baseName, index);
        await ours(oursName, index);
      }
    }
  } finally {
    ovs.close();
    await node.exec('ip', ['-force', '-batch', '-'], { input: names.flatMap((pair) => pair.map((n) => `link del ${n}`)).join('\n') + '\n', reject: false });
  }
  const last = (list: Run[]): Run => list.at(-1) ?? { ms: 0, processes: 0, verbs: [] };
  const ms = (list: Run[]) => list.map((run) => run.ms);
  const ratios = (baseline: Run[], ours: Run[]) => summarize(baseline.map((run, i) => run.ms / ours[i]!.ms));
  return {
    pods,
    flowsPerPod,
    processesPerAdd: { ours: last(runs.ours.add).processes, baseline: last(runs.baseline.add).processes },
    processesPerDel: { ours: last(runs.ours.del).processes, baseline: last(runs.baseline.del).processes },
    commands: {
      addOurs: last(runs.ours.add).verbs, addBaseline: last(runs.baseline.add).verbs,
      delOurs: last(runs.ours.del).verbs, delBaseline: last(runs.baseline.del).verbs,
    },
    addMs: { ours: summarize(ms(runs.ours.add)), baseline: summarize(ms(runs.baseline.add)) },
    delMs: { ours: summarize(ms(runs.ours.del)), baseline: summarize(ms(runs.baseline.del)) },
    addRatio: ratios(runs.baseline.add, runs.ours.add),
    delRatio: ratios(runs.baseline.del, runs.ours.del),
  };
}
