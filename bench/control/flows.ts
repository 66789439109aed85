// Flow programming at scale with the lib objects on a sandbox node: retag, resync (fresh and restart), growth.
import { Cidr, type Ipv4 } from '../../lib/net/ipv4.js';
import { parseMac } from '../../lib/net/mac.js';
import { renderFlow } from '../../lib/ovs/flow.js';
import type { NodeNetwork } from '../../lib/sdn/pipeline/flows.js';
import { Table } from '../../lib/sdn/pipeline/tables.js';
import type { Vnid } from '../../lib/tenant/vnid.js';
import { startNodePlane } from '../../test/support/nodeplane.js';
import { Sandbox, type SandboxNode, randomPrefix } from '../../test/support/sandbox/index.js';
import type { BenchProfile } from '../profile.js';
import { type Summary, median, summarize, timed } from '../stats.js';
import { using } from '../teardown.js';
import { CONTROL_UNDERLAY, SANDBOX_PREFIX, tableFlowCount } from './cluster.js';
import { LOCAL_SUBNET, type Plane, fillModel, freshPlane, localPods, remoteNodes, services } from './model.js';

export const NETWORK: NodeNetwork = {
  clusterNetwork: Cidr.parse('10.128.0.0/12'), serviceNetwork: Cidr.parse('172.30.0.0/16'),
  localSubnet: Cidr.parse(LOCAL_SUBNET), gateway: '10.128.0.1' as Ipv4, gatewayMac: parseMac('0a:58:0a:80:00:01'),
  nodeIp: '192.168.50.1' as Ipv4,
};

export interface RetagData {
  pods: number;
  flowChanges: number;
  bundlesPerRetag: number[];
  ms: Summary;
  /** Time inside the one `ovs-ofctl bundle` process per retag. */
  switchMs: Summary;
  verified: { expected: number; withNewVnid: number; withOldVnid: number };
}

export interface ResyncCase {
  ms: Summary;
  switchMs: Summary;
  flows: number;
}

export interface ResyncData {
  contents: { nodes: number; services: number; pods: number };
  /** Building and rendering every desired flow in JS, no switch. */
  renderMs: Summary;
  fromEmpty: ResyncCase;
  restart: ResyncCase;
  /** The daemon's start order (lib/sdn/node/agent.ts): everything recorded, one resync, then the whole-set catch-up once ready. */
  agentOrder: {
    setRemoteNodesMs: Summary; resyncMs: Summary; setServicesMs: Summary; serviceFlowsBetween: number; serviceFlowsAfter: number;
  };
}

export interface ScalingPoint {
  kind: 'nodes' | 'pods' | 'services';
  n: number;
  flows: number;
  installMs: number;
  oneChangeMs: number;
  oneChangeSwitchMs: number;
  retagMs?: number;
}

export interface FlowsData {
  retag: RetagData;
  resync: ResyncData;
  scaling: ScalingPoint[];
}

const ofctlMs = (plane: Plane, mark: number) =>
  plane.runner.since(mark).filter((c) => c.command === 'ovs-ofctl').reduce((sum, c) => sum + c.ms, 0);

async function clearFlows(node: SandboxNode): Promise<void> {
  await node.ofctl(['del-flows', node.mgmtSocket('br0')]);
}

async function measureRetag(node: SandboxNode, count: number, reps: number): Promise<RetagData> {
  await clearFlows(node);
  const plane = freshPlane(node);
  await fillModel(plane, { pods: localPods(count, 'a', 10) });
  await plane.dataplane.resync(NETWORK);
  const ms: number[] = [];
  const switchMs: number[] = [];
  const bundles: number[] = [];
  let vnid = 10;
  for (let rep = 0; rep < Math.max(2, reps); rep++) {
    vnid = vnid === 10 ? 20 : 10;
    const mark = plane.runner.calls.length;
    const before = plane.target.bundles;
    ms.push((await timed(() => plane.dataplane.retagNamespace('a', vnid as Vnid))).ms);
    bundles.push(plane.target.bundles - before);
    switchMs.push(ofctlMs(plane, mark));
  }
  const flowChanges = plane.target.lastBundleSize;
  const old = vnid === 10 ? 20 : 10;
  const hex = (v: number) => `0x${v.toString(16)}`;
  // Tagged: ARP in PodIngress, IP from the pod and the host's relays of it in PodTag; checked in LocalDelivery.
  const ingress = [...await plane.ovs.dumpFlows({ table: Table.PodIngress }), ...await plane.ovs.dumpFlows({ table: Table.PodTag })];
  const delivery = await plane.ovs.dumpFlows({ table: Table.LocalDelivery });
  const tagged = (v: number) => ingress.filter((f) => f.actions.includes(`${hex(v)}->reg0`)).length +
    delivery.filter((f) => f.match.includes(`reg0=${hex(v)}`)).length;
  return {
    pods: count, flowChanges, bundlesPerRetag: bundles, ms: summarize(ms), switchMs: summarize(switchMs),
    verified: { expected: count * 4, withNewVnid: tagged(vnid), withOldVnid: tagged(old) },
  };
}

async function measureResync(node: SandboxNode, profile: BenchProfile['flows']): Promise<ResyncData> {
  const size = profile.resync;
  const contents = { nodes: remoteNodes(size.nodes), services: services(size.services, 50), pods: localPods(size.pods, 'bench', 11) };
  const reps = profile.reps;
  const renderMs: number[] = [];
  const fromEmpty = { ms: [] as number[], switchMs: [] as number[] };
  const restart = { ms: [] as number[], switchMs: [] as number[] };
  const resyncOnce = async (into: typeof fromEmpty) => {
    const plane = freshPlane(node);
    await fillModel(plane, contents);
    const mark = plane.runner.calls.length;
    into.ms.push((await timed(() => plane.dataplane.resync(NETWORK))).ms);
    into.switchMs.push(ofctlMs(plane, mark));
    return plane;
  };
  for (let rep = 0; rep < reps; rep++) {
    const plane = freshPlane(node);
    await fillModel(plane, contents);
    renderMs.push((await timed(() => {
      const owners = plane.dataplane.desiredFlows();
      let chars = 0;
      for (const flows of owners.values()) for (const flow of flows) chars += renderFlow(flow).length;
      return chars;
    })).ms);
  }
  for (let rep = 0; rep < reps; rep++) {
    await clearFlows(node);
    await resyncOnce(fromEmpty);
  }
  const flowsEmpty = await tableFlowCount(node);
  for (let rep = 0; rep < reps; rep++) await resyncOnce(restart);
  const flowsRestart = await tableFlowCount(node);

  const order = { nodes: [] as number[], resync: [] as number[], services: [] as number[] };
  let between = 0;
  let after = 0;
  for (let rep = 0; rep < reps; rep++) {
    const plane = freshPlane(node);
    for (const pod of contents.pods) plane.dataplane.rememberPod(pod);
    plane.dataplane.rememberRemoteNodes(contents.nodes);
    plane.dataplane.rememberServices(contents.services);
    order.resync.push((await timed(() => plane.dataplane.resync(NETWORK))).ms);
    between = await tableFlowCount(node, Table.ServiceAccess);
    order.nodes.push((await timed(() => plane.dataplane.setRemoteNodes(contents.nodes))).ms);
    order.services.push((await timed(() => plane.dataplane.setServices(contents.services))).ms);
    after = await tableFlowCount(node, Table.ServiceAccess);
  }
  return {
    contents: { nodes: size.nodes, services: size.services, pods: size.pods },
    renderMs: summarize(renderMs),
    fromEmpty: { ms: summarize(fromEmpty.ms), switchMs: summarize(fromEmpty.switchMs), flows: flowsEmpty },
    restart: { ms: summarize(restart.ms), switchMs: summarize(restart.switchMs), flows: flowsRestart },
    agentOrder: {
      setRemoteNodesMs: summarize(order.nodes), resyncMs: summarize(order.resync), setServicesMs: summarize(order.services),
      serviceFlowsBetween: between, serviceFlowsAfter: after,
    },
  };
}

async function scalingPoint(node: SandboxNode, kind: ScalingPoint['kind'], n: number, reps: number): Promise<ScalingPoint> {
  const install: number[] = [];
  let plane = freshPlane(node);
  const contents = kind === 'nodes' ? { nodes: remoteNodes(n) } : kind === 'pods' ? { pods: localPods(n, 'a', 10) } : { services: services(n, 10) };
  for (let rep = 0; rep < reps; rep++) {
    await clearFlows(node);
    plane = freshPlane(node);
    await fillModel(plane, contents);
    install.push((await timed(() => plane.dataplane.resync(NETWORK))).ms);
  }
  const flows = await tableFlowCount(node);
  const change: number[] = [];
  const changeSwitch: number[] = [];
  const retag: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const mark = plane.runner.calls.length;
    const dp = plane.dataplane;
    // What one watch event makes the daemon do (lib/sdn/node/agent.ts, services.ts): just the owner it names.
    if (kind === 'nodes') {
      const [extra] = remoteNodes(1, n);
      change.push((await timed(() => dp.updateRemoteNodes([extra!], []))).ms);
      changeSwitch.push(ofctlMs(plane, mark));
      await dp.updateRemoteNodes([], [extra!.ip]);
    } else if (kind === 'services') {
      const [extra] = services(1, 10, n);
      change.push((await timed(() => dp.updateServices([extra!], []))).ms);
      changeSwitch.push(ofctlMs(plane, mark));
      await dp.updateServices([], [extra!]);
    } else {
      const [extra] = localPods(1, 'a', 10, n);
      change.push((await timed(() => dp.addPod(extra!))).ms);
      changeSwitch.push(ofctlMs(plane, mark));
      await dp.removePod(extra!.port.portName);
      retag.push((await timed(() => dp.retagNamespace('a', (rep % 2 ? 10 : 20) as Vnid))).ms);
    }
  }
  return {
    kind, n, flows, installMs: median(install), oneChangeMs: median(change), oneChangeSwitchMs: median(changeSwitch),
    ...(retag.length ? { retagMs: median(retag) } : {}),
  };
}

export async function runFlowsSection(profile: BenchProfile, log: (line: string) => void): Promise<FlowsData> {
  const create = () => Sandbox.create({ prefix: randomPrefix(SANDBOX_PREFIX), nodes: 1, underlaySubnet: CONTROL_UNDERLAY });
  return using(create, async (sandbox) => {
    const node = sandbox.node('n1');
    await startNodePlane(node, LOCAL_SUBNET);
    const retag = await measureRetag(node, profile.flows.retagPods, profile.flows.reps * 2);
    log(`retag ${retag.pods} pods: p50 ${retag.ms.p50.toFixed(0)} ms, bundles ${retag.bundlesPerRetag.join(',')}; ` +
      `new VNID on ${retag.verified.withNewVnid}/${retag.verified.expected} flows, old on ${retag.verified.withOldVnid}`);
    const resync = await measureResync(node, profile.flows);
    log(`resync ${JSON.stringify(resync.contents)}: from empty p50 ${resync.fromEmpty.ms.p50.toFixed(0)} ms, ` +
      `restart p50 ${resync.restart.ms.p50.toFixed(0)} ms, ${resync.restart.flows} flows`);
    const scaling: ScalingPoint[] = [];
    for (const kind of ['nodes', 'pods', 'services'] as const) {
      for (const n of profile.flows.scalingSizes) {
        const point = await scalingPoint(node, kind, n, profile.flows.reps);
        scaling.push(point);
        log(`scaling ${kind} ${n}: install ${point.installMs.toFixed(0)} ms, one change ${point.oneChangeMs.toFixed(1)} ms`);
      }
    }
    return { retag, resync, scaling };
  });
}
