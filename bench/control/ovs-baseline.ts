// The OVS part of a pod ADD/DEL done our way (lib objects: the port over OVSDB, one bundle) and the original way
// (openshift-sdn-ovs / k8s-ovs scripts: add-port, get ofport, one ovs-ofctl add-flow per flow), interleaved.
import path from 'node:path';
import { type CommandRunner, localRunner } from '../../lib/exec/command.js';
import { type Ipv4, intToIpv4, ipv4ToInt } from '../../lib/net/ipv4.js';
import { FlowSync } from '../../lib/ovs/flowsync.js';
import { flowKey, renderFlow } from '../../lib/ovs/flow.js';
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
  run(command: string, args: readonly string[], options?: { input?: string }): Promise<string> {
    this.count += 1;
    this.verbs.push(`${command} ${args.find((a) => !a.startsWith('-') && !a.startsWith('OpenFlow')) ?? ''}`);
    return this.inner.run(command, args, options);
  }
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
    const ip = intToIpv4(base + index) as Ipv4;
    const port: PodPort = { portName: name, ofport, ip, mac: podMac(ip), vnid: 11 as Vnid };
    return { containerId: `bench-${name}`, ifname: 'eth0', namespace: 'bench', name, netnsPath: `/var/run/netns/${name}`, port };
  };
  const externalIds = (pod: LocalPod) => ({
    'k8s-ovs-container-id': pod.containerId, 'k8s-ovs-ifname': pod.ifname, 'k8s-ovs-namespace': pod.namespace,
    'k8s-ovs-pod': pod.name, 'k8s-ovs-netns': pod.netnsPath, 'k8s-ovs-ip': pod.port.ip, 'k8s-ovs-mac': pod.port.mac,
  });

  const add = { ours: [] as number[], baseline: [] as number[] };
  const del = { ours: [] as number[], baseline: [] as number[] };
  const procs = { addOurs: 0, addBase: 0, delOurs: 0, delBase: 0 };
  const commands = { addOurs: [] as string[], addBaseline: [] as string[], delOurs: [] as string[], delBaseline: [] as string[] };
  const counted = async (work: () => Promise<unknown>) => {
    const before = runner.count;
    const ms = await timedMs(work);
    return { ms, processes: runner.count - before, verbs: runner.verbs.slice(before) };
  };
  let flowsPerPod = 0;

  const ours = async (name: string, index: number) => {
    const draft = podOf(name, index, 0);
    const a = await counted(async () => {
      const ofport = await ovs.ensurePort({ name, externalIds: externalIds(draft) });
      await dataplane.addPod(podOf(name, index, ofport));
    });
    const d = await counted(async () => {
      await dataplane.removePod(name);
      await ovs.deletePort(name);
    });
    add.ours.push(a.ms);
    del.ours.push(d.ms);
    procs.addOurs = a.processes;
    procs.delOurs = d.processes;
    commands.addOurs = a.verbs;
    commands.delOurs = d.verbs;
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
    add.baseline.push(a.ms);
    del.baseline.push(d.ms);
    procs.addBase = a.processes;
    procs.delBase = d.processes;
    commands.addBaseline = a.verbs;
    commands.delBaseline = d.verbs;
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
  return {
    pods,
    flowsPerPod,
    processesPerAdd: { ours: procs.addOurs, baseline: procs.addBase },
    processesPerDel: { ours: procs.delOurs, baseline: procs.delBase },
    commands,
    addMs: { ours: summarize(add.ours), baseline: summarize(add.baseline) },
    delMs: { ours: summarize(del.ours), baseline: summarize(del.baseline) },
    addRatio: summarize(add.baseline.map((b, i) => b / add.ours[i]!)),
    delRatio: summarize(del.baseline.map((b, i) => b / del.ours[i]!)),
  };
}
