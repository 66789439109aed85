// `k8s-ovs-adm trace <ns>/<pod> <dest>`: runs ofproto/trace on the source node's switch and, when the packet
// goes over VXLAN and the destination node's switch is reachable from here, on that one too; explains both.
import type { Argv, CommandModule } from 'yargs';
import type { EtcdFlags } from '../cli/etcd-flags.js';
import { CommandError } from '../exec/command.js';
import { OvsSwitch } from '../ovs/switch.js';
import { isMultitenant } from '../sdn/config.js';
import type { HostSubnet } from '../sdn/records.js';
import { type AdmEnvironment, withCluster } from './context.js';
import { AdmError, UsageError } from './errors.js';
import { readHostSubnets, readNetNamespaces } from './inventory.js';
import { OUTPUT_FORMATS, type OutputFormat, renderOutput } from './output.js';
import { type ExplainContext, type Explanation, explainTrace } from './trace-explain.js';
import {
  type SwitchPod, parseDestination, parsePodRef, parseServiceBackend, podPacket, podsOnSwitch, relayedPacket, vxlanPacket,
} from './trace-endpoints.js';
import { parseOfprotoTrace } from './trace-output.js';
import { errnoCode, messageOf } from '../errors.js';

interface TraceFlags extends EtcdFlags {
  source: string;
  destination: string;
  'ovs-rundir': string;
  bridge: string;
  'remote-ovs-rundir': string[];
  'service-backend'?: string;
  output: OutputFormat;
  raw: boolean;
}

interface NodeSwitch {
  ovs: OvsSwitch;
  runDir: string;
  pods: SwitchPod[];
  /** The node's underlay IP, when known. */
  nodeIp: string | null;
}

interface Leg {
  node: string;
  nodeIp: string | null;
  packet: string;
  raw: string;
  explanation: Explanation;
}

/** Like the daemon: K8S_OVS_OVS_RUNDIR, else OVS's own OVS_RUNDIR, else the system directory. */
function runDirDefault(variables: Readonly<Record<string, string | undefined>>): string {
  return variables.K8S_OVS_OVS_RUNDIR || variables.OVS_RUNDIR || '/var/run/openvswitch';
}

export function traceCommand(env: AdmEnvironment, done: (code: number) => void,
  variables: Readonly<Record<string, string | undefined>>): CommandModule {
  return {
    command: 'trace <source> <destination>',
    describe: 'explain what br0 does with a packet from a pod, table by table (runs ovs-appctl ofproto/trace)',
    builder: (yargs: Argv) => yargs
      .positional('source', { type: 'string', describe: '<namespace>/<pod>: a pod attached to this node\'s switch' })
      .positional('destination', { type: 'string', describe: '<namespace>/<pod> or <ip>, optionally :<port>[/tcp|udp]' })
      .option('ovs-rundir', { type: 'string', default: runDirDefault(variables),
        describe: 'this node\'s OVS run directory (K8S_OVS_OVS_RUNDIR, OVS_RUNDIR)' })
      .option('bridge', { type: 'string', default: variables.K8S_OVS_BRIDGE || 'br0', describe: 'the integration bridge (K8S_OVS_BRIDGE)' })
      .option('remote-ovs-rundir', { type: 'string', array: true, default: [],
        describe: 'NODE=DIR: another node\'s OVS reachable from this machine (NODE is its IP or name); '
          + 'the trace follows VXLAN into it' })
      .option('service-backend', { type: 'string',
        describe: 'IP[:PORT]: the endpoint kube-proxy DNATs a service destination to; the trace follows the packet '
          + 'as the host sends it back into br0 (with the client pod\'s address) to that endpoint' })
      .option('output', { alias: 'o', choices: OUTPUT_FORMATS, default: 'table' as const,
        describe: 'output format (table: the explanation as text)' })
      .option('raw', { type: 'boolean', default: false, describe: 'also print what ovs-appctl printed' })
      .example('$0 trace red/web-1 red/db-0:5432/tcp', 'why can (or cannot) web-1 reach db-0?')
      .example('$0 trace red/web-1 10.91.0.254', 'a packet leaving the cluster network')
      .example('$0 trace red/web-1 10.128.2.7:53/udp --raw -o json', 'with what OVS printed, for scripts')
      .example('$0 trace red/web-1 blue/api-0 --remote-ovs-rundir 10.91.0.2=/var/run/ovs-n2', 'follow VXLAN into node 10.91.0.2')
      .example('$0 trace red/web-1 172.30.0.10:80 --service-backend 10.128.2.7:8080', 'through a service to one of its endpoints'),
    handler: async (args) => done(await runTrace(env, args as unknown as TraceFlags)),
  };
}

function remoteDirs(entries: readonly string[]): Array<{ node: string; dir: string }> {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1) {
      throw new UsageError(`--remote-ovs-rundir "${entry}" is not NODE=DIR (e.g. 10.91.0.2=/var/run/ovs-n2)`);
    }
    return { node: entry.slice(0, at), dir: entry.slice(at + 1) };
  });
}

async function openSwitch(env: AdmEnvironment, runDir: string, bridge: string, nodeIp: string | null): Promise<NodeSwitch> {
  const ovs = new OvsSwitch(env.runner, { bridge, runDir });
  const pods = podsOnSwitch(await ovsCall(runDir, () => ovs.listPorts()));
  return { ovs, runDir, pods, nodeIp };
}

async function ovsCall<T>(runDir: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CommandError || errnoCode(error) === 'ENOENT') {
      throw new AdmError(`cannot use the Open vSwitch at ${runDir}: ${messageOf(error)}; `
        + 'give --ovs-rundir (or OVS_RUNDIR) and --bridge of this node');
    }
    throw error;
  }
}

function subnetOf(subnets: readonly HostSubnet[], ip: string): HostSubnet | undefined {
  return subnets.find((s) => s.subnet !== null && s.subnet.contains(ip));
}

export async function runTrace(env: AdmEnvironment, flags: TraceFlags): Promise<number> {
  const sourceRef = parsePodRef(flags.source, 'source');
  const destination = parseDestination(flags.destination);
  const backend = flags['service-backend'] === undefined ? undefined : parseServiceBackend(flags['service-backend'], destination);
  const remotes = remoteDirs(flags['remote-ovs-rundir']);
  return withCluster(env, flags, async (cluster) => {
    const subnets = (await readHostSubnets(cluster)).items;
    const netIds = new Map((await readNetNamespaces(cluster)).items.map((r) => [r.netName, r.netId as number]));
    const vnidOf = (namespace: string): number | null => (isMultitenant(cluster.config.plugin) ? netIds.get(namespace) ?? null : 0);
    const nodesByIp = new Map(subnets.map((s) => [s.hostIp as string, s.host]));
    const switches = [await openSwitch(env, flags['ovs-rundir'], flags.bridge, null)];
    for (const remote of remotes) {
      const nodeIp = nodesByIp.has(remote.node) ? remote.node : subnets.find((s) => s.host === remote.node)?.hostIp;
      if (!nodeIp) throw new UsageError(`--remote-ovs-rundir: "${remote.node}" is neither the IP nor the name of a node with a HostSubnet`);
      switches.push(await openSwitch(env, remote.dir, flags.bridge, nodeIp));
    }
    // This node's IP is the HostSubnet holding its pods' addresses (a switch without pods stays unnamed).
    for (const sw of switches) sw.nodeIp ??= sw.pods.map((p) => subnetOf(subnets, p.ip)?.hostIp).find(Boolean) ?? null;
    const find = (match: (pod: SwitchPod) => boolean) => {
      for (const sw of switches) {
        const pod = sw.pods.find(match);
        if (pod) return { sw, pod };
      }
      return undefined;
    };
    const source = find((p) => p.namespace === sourceRef.namespace && p.name === sourceRef.name);
    if (!source) {
      throw new AdmError(`pod ${flags.source} has no port on the switch at ${flags['ovs-rundir']}`
        + `${remotes.length ? ' or any --remote-ovs-rundir' : ''}: run trace on the node that runs it`);
    }
    const target = destination.target;
    const found = target.kind === 'pod'
      ? find((p) => p.namespace === target.pod.namespace && p.name === target.pod.name)
      : find((p) => p.ip === target.ip);
    if (target.kind === 'pod' && !found) {
      throw new AdmError(`destination pod ${target.pod.namespace}/${target.pod.name} is not on this node's switch or a --remote-ovs-rundir one; `
        + 'give its IP instead');
    }
    const dstIp = found?.pod.ip ?? (target.kind === 'ip' ? target.ip : '');
    const label = (pod: SwitchPod) => `${pod.namespace}/${pod.name}`;
    const context = (sw: NodeSwitch, to: { ip: string; port?: number; pod?: { sw: NodeSwitch; pod: SwitchPod } }): ExplainContext => {
      const toVnid = to.pod ? vnidOf(to.pod.pod.namespace) : null;
      return {
        node: nodeLabel(sw.nodeIp, nodesByIp),
        podsByPort: new Map(sw.pods.map((p) => [p.ofport, label(p)])),
        destination: {
          ip: to.ip, protocol: destination.protocol, ...(to.port ? { port: to.port } : {}),
          ...(to.pod ? { label: label(to.pod.pod), local: to.pod.sw === sw } : {}),
          ...(toVnid !== null ? { vnid: toVnid } : {}),
        },
        nodesByIp,
      };
    };
    let to = { ip: dstIp, ...(destination.port ? { port: destination.port } : {}), ...(found ? { pod: found } : {}) };
    const legs = [await runLeg(source.sw, podPacket(source.pod, dstIp, destination), context(source.sw, to), nodesByIp)];
    const first = legs[0]!.explanation;
    if (backend && first.verdict.kind === 'host' && first.verdict.via === 'service') {
      // kube-proxy's DNAT: the host sends the packet back into br0 from tun0, still from the client pod.
      const endpoint = find((p) => p.ip === backend.ip);
      to = { ip: backend.ip, ...(backend.port ? { port: backend.port } : {}), ...(endpoint ? { pod: endpoint } : {}) };
      const packet = relayedPacket(source.pod.ip, backend.ip, { ...destination, ...(backend.port ? { port: backend.port } : {}) });
      legs.push(await runLeg(source.sw, packet, context(source.sw, to), nodesByIp));
    }
    let unreachable: string | null = null;
    const last = legs.at(-1)!.explanation.verdict;
    if (last.kind === 'vxlan') {
      const packet = vxlanPacket(last.vnid, source.sw.nodeIp ?? '0.0.0.0', last.remoteIp, source.pod.ip, to.ip,
        { ...destination, ...(to.port ? { port: to.port } : {}) });
      const next = switches.find((sw) => sw.nodeIp === last.remoteIp);
      if (next) legs.push(await runLeg(next, packet, context(next, to), nodesByIp));
      else unreachable = packet;
    }
    const report = {
      source: { pod: label(source.pod), ip: source.pod.ip, vnid: vnidOf(source.pod.namespace) },
      destination: { target: found ? label(found.pod) : dstIp, ip: dstIp, vnid: found ? vnidOf(found.pod.namespace) : null,
        protocol: destination.protocol, port: destination.port ?? null },
      legs, unreachable, bridge: flags.bridge,
    };
    env.out(renderOutput(flags.output, traceDocument(report), () => renderTrace(report, flags.raw)));
    return 0;
  });
}

function nodeLabel(ip: string | null, nodesByIp: ReadonlyMap<string, string>): string {
  if (ip === null) return 'this node';
  const name = nodesByIp.get(ip);
  return name ? `${name} (${ip})` : ip;
}

async function runLeg(sw: NodeSwitch, packet: string, context: ExplainContext, nodesByIp: ReadonlyMap<string, string>): Promise<Leg> {
  const raw = await ovsCall(sw.runDir, () => sw.ovs.appctl('ofproto/trace', sw.ovs.bridge, packet));
  return {
    node: nodeLabel(sw.nodeIp, nodesByIp), nodeIp: sw.nodeIp, packet, raw, explanation: explainTrace(parseOfprotoTrace(raw), context),
  };
}

interface TraceReport {
  source: { pod: string; ip: string; vnid: number | null };
  destination: { target: string; ip: string; vnid: number | null; protocol: string; port: number | null };
  legs: Leg[];
  /** The packet to trace on the next node, when its switch is not reachable from here. */
  unreachable: string | null;
  bridge: string;
}

function resultText(report: TraceReport): string {
  const last = report.legs[report.legs.length - 1]!;
  const verdict = last.explanation.verdict;
  if (report.unreachable !== null && verdict.kind === 'vxlan') {
    const node = verdict.remoteNode ?? verdict.remoteIp;
    return `${verdict.text}. ${node}'s switch is not reachable from here; to follow the packet there, run on ${node}:\n`
      + `  ovs-appctl ofproto/trace ${report.bridge} ${report.unreachable}\n`
      + `(or give --remote-ovs-rundir ${verdict.remoteIp}=DIR where that node's OVS runs on this machine)`;
  }
  return report.legs.length > 1 ? `${verdict.text} on ${last.node}` : verdict.text;
}

function renderTrace(report: TraceReport, raw: boolean): string {
  const vnid = (v: number | null) => (v === null ? 'VNID unknown' : `VNID ${v}`);
  const { source, destination } = report;
  const dst = `${destination.target === destination.ip ? destination.ip : `${destination.target} (${destination.ip}`}`
    + `${destination.port ? `:${destination.port}` : ''}${destination.target === destination.ip ? '' : `, ${vnid(destination.vnid)})`}`;
  const lines = [`Tracing ${destination.protocol} from ${source.pod} (${source.ip}, ${vnid(source.vnid)}) to ${dst}`];
  for (const leg of report.legs) {
    const width = Math.max(...leg.explanation.steps.map((s) => s.tableName.length));
    lines.push('', `${leg.node}: ofproto/trace ${report.bridge} ${leg.packet}`);
    for (const step of leg.explanation.steps) {
      lines.push(`  ${String(step.table).padStart(3)} ${step.tableName.padEnd(width)}   ${step.meaning}`);
    }
    lines.push(`  => ${leg.explanation.verdict.text}`);
    if (raw) lines.push('', ...leg.raw.trimEnd().split('\n').map((line) => `  | ${line}`));
  }
  lines.push('', `Result: ${resultText(report)}`);
  return lines.join('\n') + '\n';
}

function traceDocument(report: TraceReport): Record<string, unknown> {
  return {
    Source: { Pod: report.source.pod, IP: report.source.ip, VNID: report.source.vnid },
    Destination: {
      Target: report.destination.target, IP: report.destination.ip, VNID: report.destination.vnid,
      Protocol: report.destination.protocol, Port: report.destination.port,
    },
    Legs: report.legs.map((leg) => ({
      Node: leg.node, NodeIP: leg.nodeIp, Packet: leg.packet,
      Steps: leg.explanation.steps.map((s) => ({
        Table: s.table, Name: s.tableName, Priority: s.priority, Match: s.match, Actions: s.actions, Meaning: s.meaning,
      })),
      Verdict: { Kind: leg.explanation.verdict.kind, Text: leg.explanation.verdict.text },
    })),
    NextNodePacket: report.unreachable,
    Result: resultText(report),
  };
}
