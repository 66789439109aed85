// Synthetic cluster contents for lib-level runs (remote nodes, pods, services) and the plane that holds them.
import { type CommandRunner, type RunOptions, localRunner } from '../../lib/exec/command.js';
import { Cidr, intToIpv4, ipv4ToInt } from '../../lib/net/ipv4.js';
import { type FlowsByKey, ofPort } from '../../lib/ovs/flow.js';
import { FlowSync, type FlowTarget } from '../../lib/ovs/flowsync.js';
import { type FlowChange, OvsSwitch } from '../../lib/ovs/switch.js';
import { type LocalPod, NodeDataplane } from '../../lib/sdn/node/dataplane.js';
import { podMac } from '../../lib/sdn/node/podports.js';
import type { RemoteNode, ServiceEndpoint } from '../../lib/sdn/pipeline/flows.js';
import type { Vnid } from '../../lib/tenant/vnid.js';
import type { SandboxNode } from '../../test/support/sandbox/index.js';

/** The local subnet of lib-level runs: a /21, so that 1000 pods fit. */
export const LOCAL_SUBNET = '10.128.0.0/21';
/** Remote node addresses come from 198.18.0.0/15 (RFC 2544, benchmarking): they only ever appear in flows. */
const REMOTE_NODE_BASE = ipv4ToInt('198.18.0.1');
const REMOTE_SUBNET_BASE = ipv4ToInt('10.136.0.0');
const POD_BASE = ipv4ToInt('10.128.0.10');
const SERVICE_BASE = ipv4ToInt('172.30.1.0');
/** Pods get ofports far above the node's real ports (1 vxlan0, 2 tun0): flows need no real port behind them. */
const FIRST_FAKE_OFPORT = 1000;

export function remoteNodes(count: number, offset = 0): RemoteNode[] {
  return Array.from({ length: count }, (_, i) => ({
    ip: intToIpv4(REMOTE_NODE_BASE + offset + i),
    subnet: Cidr.of(REMOTE_SUBNET_BASE + (offset + i) * 512, 23),
  }));
}

export function localPods(count: number, namespace: string, vnid: number, offset = 0): LocalPod[] {
  return Array.from({ length: count }, (_, k) => {
    const i = offset + k;
    const ip = intToIpv4(POD_BASE + i);
    const portName = `kp${i}`;
    return {
      containerId: `bench-${i}`, ifname: 'eth0', namespace, name: portName, netnsPath: `/var/run/netns/${portName}`,
      port: { portName, ofport: ofPort(FIRST_FAKE_OFPORT + i), ip, mac: podMac(ip), vnid: vnid as Vnid },
    };
  });
}

/** `count` services spread over `namespaces` namespaces (VNID 100 + namespace index), one TCP port each. */
export function services(count: number, namespaces: number, offset = 0): ServiceEndpoint[] {
  return Array.from({ length: count }, (_, k) => {
    const i = offset + k;
    const ns = i % namespaces;
    return {
      namespace: `ns${ns}`, name: `svc${i}`, ip: intToIpv4(SERVICE_BASE + i),
      ports: [{ protocol: 'tcp' as const, port: 80 }], vnid: (100 + ns) as Vnid,
    };
  });
}

/** Records every program run and how long it took, to split an operation into switch time and our time. */
export class TimingRunner implements CommandRunner {
  readonly calls: Array<{ command: string; verb: string; ms: number }> = [];
  constructor(private readonly inner: CommandRunner = localRunner()) {}
  async run(command: string, args: readonly string[], options?: RunOptions): Promise<string> {
    const start = performance.now();
    try {
      return await this.inner.run(command, args, options);
    } finally {
      const verb = args.find((a) => !a.startsWith('-') && !a.startsWith('OpenFlow') && !a.startsWith('unix:')) ?? '';
      this.calls.push({ command, verb, ms: performance.now() - start });
    }
  }
  /** Calls since `mark` (a previous `calls.length`). */
  since(mark: number) {
    return this.calls.slice(mark);
  }
}

/** A FlowTarget that can be switched off: off, changes only fill the model (a restarted daemon re-reading state). */
export class GatedTarget implements FlowTarget {
  live = true;
  bundles = 0;
  replaces = 0;
  /** Changes in the last non-empty bundle. */
  lastBundleSize = 0;
  constructor(private readonly ovs: OvsSwitch) {}
  async bundle(changes: readonly FlowChange[]): Promise<void> {
    if (!this.live) return;
    if (changes.length) {
      this.bundles += 1;
      this.lastBundleSize = changes.length;
    }
    await this.ovs.bundle(changes);
  }
  async replaceAllFlows(owners: readonly FlowsByKey[]): Promise<void> {
    if (!this.live) return;
    this.replaces += 1;
    await this.ovs.replaceAllFlows(owners);
  }
}

export interface Plane {
  ovs: OvsSwitch;
  runner: TimingRunner;
  target: GatedTarget;
  dataplane: NodeDataplane;
}

/**
 * Fresh FlowSync + NodeDataplane over the node's br0, as a (re)started daemon builds them. OVS is reached
 * through its sockets from here, so no nsenter is spawned per command.
 */
export function freshPlane(node: SandboxNode): Plane {
  const runner = new TimingRunner();
  const ovs = new OvsSwitch(runner, { bridge: 'br0', runDir: node.ovsRunDir, datapathType: 'netdev' });
  const target = new GatedTarget(ovs);
  return { ovs, runner, target, dataplane: new NodeDataplane(new FlowSync(target)) };
}

/** Fills a plane's model without touching the switch (target off), then turns the target back on. */
export async function fillModel(plane: Plane,
  contents: { nodes?: RemoteNode[]; pods?: LocalPod[]; services?: ServiceEndpoint[] }): Promise<void> {
  plane.target.live = false;
  try {
    if (contents.nodes) await plane.dataplane.setRemoteNodes(contents.nodes);
    if (contents.services) await plane.dataplane.setServices(contents.services);
    for (const pod of contents.pods ?? []) plane.dataplane.rememberPod(pod);
  } finally {
    plane.target.live = true;
  }
}
