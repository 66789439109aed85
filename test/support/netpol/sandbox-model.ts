// Upstream's NetworkPolicy model (namespaces x, y, z; pods a, b, c) on the sandbox: real daemons on two nodes, the
// test API server, pods attached through the CNI plugin and serving TCP and UDP on 80 and 81; cases run against it.
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type PluginName } from '../../../lib/sdn/config.js';
import { adm } from '../adm.js';
import { repoRoot, PREFIX, SandboxCluster, waitUntil } from '../cluster.js';
import { SandboxApiServer } from '../kube.js';
import { type PodNetns, type Sandbox, type SandboxNode, type TrackedProcess, randomPrefix } from '../sandbox/index.js';
import type { Protocol } from './api.js';
import type { CaseStep } from './case-kit.js';
import { NAMESPACE_KEYS, POD_KEYS, type PodKey, TruthTable } from './matrix.js';
import { type CaseAction, type CaseEnv, MODEL_PORTS, modelPods } from './model.js';

const AGENT = path.join(repoRoot, 'test', 'support', 'netpol', 'pod-agent.py');

/** One pod's test agent (pod-agent.py): its servers, and probes to other pods on request. */
export class PodAgent {
  private nextId = 1;
  private readonly waiting = new Map<number, (ok: boolean) => void>();

  private constructor(readonly pod: PodNetns, private readonly process: TrackedProcess) {}

  static async start(sandbox: Sandbox, pod: PodNetns): Promise<PodAgent> {
    const process = await sandbox.startProcess(pod, 'python3', [AGENT, ...MODEL_PORTS.map(String)], { stdio: 'pipe', stdin: 'pipe' });
    const agent = new PodAgent(pod, process);
    const lines = createInterface({ input: process.subprocess.stdout! });
    const ready = new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        const message = JSON.parse(line) as { ready?: boolean; id?: number; ok?: boolean };
        if (message.ready) resolve();
        else agent.waiting.get(message.id!)?.(message.ok === true);
      });
    });
    await Promise.race([ready, new Promise((_, reject) => setTimeout(() => reject(new Error(`agent in ${pod.netns} not ready`)), 15_000))]);
    return agent;
  }

  request(body: Record<string, unknown>): Promise<boolean> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, (ok) => { this.waiting.delete(id); resolve(ok); });
      this.process.subprocess.stdin!.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }
}

export interface ModelPod {
  key: PodKey;
  namespace: string;
  name: string;
  ip: string;
  netns: PodNetns;
  agent: PodAgent;
  node: SandboxNode;
}

/** The nine-pod model on a two-node sandbox, in one network plugin mode. */
export class NetpolSandbox {
  readonly pods = new Map<PodKey, ModelPod>();
  private nextTag = 1;

  private constructor(readonly cluster: SandboxCluster, readonly api: SandboxApiServer) {}

  /** `joinTenants`: in multitenant mode, y and z join x's VNID, so that only policy decides between them. */
  static async start(options: { plugin: PluginName; underlaySubnet: string; joinTenants?: boolean }): Promise<NetpolSandbox> {
    const config = { Name: 'k8ssdn', Network: '10.128.0.0/14', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16', PluginName: options.plugin };
    const cluster = await SandboxCluster.start({ prefix: randomPrefix('knp'), nodes: 2, underlaySubnet: options.underlaySubnet, config });
    try {
      const api = new SandboxApiServer(cluster, config.ServiceNetwork);
      await api.start();
      const model = new NetpolSandbox(cluster, api);
      await model.populate(options.joinTenants ?? false);
      return model;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** What the cases build their policies from: these namespace names and these pods' addresses. */
  get env(): CaseEnv {
    return { namespace: (key) => key, podIP: (key) => this.pods.get(key)!.ip };
  }

  private async populate(joinTenants: boolean): Promise<void> {
    const { cluster, api } = this;
    const nodes = cluster.sandbox.nodes;
    for (const node of nodes) await api.node(node.name, node.ip);
    for (const ns of NAMESPACE_KEYS) await api.create('namespaces', { metadata: { name: ns, labels: { ns } } });
    await Promise.all(nodes.map((node) => cluster.startDaemon(node, ['--kubeconfig', api.kubeconfig])));
    if (joinTenants) {
      const net = `${PREFIX}/k8ssdn/netnamespaces`;
      const x = await waitUntil('x\'s VNID', async () => cluster.etcdGet(`${net}/x`) as Promise<{ NetID: number } | undefined>);
      for (const ns of ['y', 'z']) {
        await cluster.etcdctl('put', `${net}/${ns}`, JSON.stringify({ NetName: ns, NetID: x.NetID, Action: 'join', Namespace: 'x' }));
      }
      await waitUntil('y and z joined to x', async () => {
        const ids = await Promise.all(['y', 'z'].map(async (ns) => ((await cluster.etcdGet(`${net}/${ns}`)) as { NetID: number }).NetID));
        return ids.every((id) => id === x.NetID);
      });
    }
    const specs = modelPods({ namespace: (key) => key, podIP: () => '' });
    for (const [i, key] of POD_KEYS.entries()) {
      const spec = specs[i]!;
      const node = nodes[i % nodes.length]!;
      await api.create('pods', { metadata: { name: spec.name, namespace: spec.namespace, labels: { ...spec.labels } },
        spec: { nodeName: node.name, containers: spec.containers.map((c, j) => ({ name: `c${j}`, image: 'agnhost', ports: c.ports })) } });
      const netns = await cluster.sandbox.createPodNetns(`${spec.namespace}-${spec.name}`);
      const run = await cluster.cni(node, 'ADD', { containerId: `ctr-${spec.namespace}-${spec.name}`, netns: netns.netnsPath,
        namespace: spec.namespace, pod: spec.name });
      if (run.exitCode !== 0) throw new Error(`ADD ${key}: ${run.stdout}`);
      const ip = ((run.json!.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!;
      await api.podRunning(spec.namespace, spec.name, ip, node.ip);
      const agent = await PodAgent.start(cluster.sandbox, netns);
      this.pods.set(key, { key, namespace: spec.namespace, name: spec.name, ip, netns, agent, node });
    }
  }

  async apply(action: CaseAction): Promise<void> {
    const { api } = this;
    switch (action.kind) {
      case 'createPolicy':
        return void await api.create('networkpolicies', action.policy);
      case 'updatePolicy': {
        const { namespace, name } = action.policy.metadata;
        return void await api.request('PUT', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${name}`, action.policy);
      }
      case 'deleteAllPolicies': {
        for (const ns of NAMESPACE_KEYS) {
          const list = await api.request('GET', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`);
          for (const item of (list.items ?? []) as Array<{ metadata: { name: string } }>) await api.delete('networkpolicies', item.metadata.name, ns);
        }
        return;
      }
      case 'addNamespaceLabels':
        return void await api.patch('namespaces', action.namespace, undefined, { metadata: { labels: action.labels } });
      case 'addPodLabels': {
        const pod = this.pods.get(action.pod)!;
        return void await api.patch('pods', pod.name, pod.namespace, { metadata: { labels: action.labels } });
      }
    }
  }

  /** Every pod to every pod at once; the diagonal is probed too but cases ignore it, as upstream does. */
  async probe(protocol: Protocol, port: number): Promise<TruthTable> {
    const results = new Map<string, boolean>();
    await Promise.all(POD_KEYS.flatMap((from) => POD_KEYS.map(async (to) => {
      results.set(`${from}>${to}`, await this.probeOne(from, to, protocol, port));
    })));
    return TruthTable.from((from, to) => results.get(`${from}>${to}`)!);
  }

  private async probeOne(from: PodKey, to: PodKey, protocol: Protocol, port: number): Promise<boolean> {
    const source = this.pods.get(from)!;
    const target = this.pods.get(to)!;
    if (protocol !== 'SCTP') return source.agent.request({ op: 'probe', protocol: protocol.toLowerCase(), ip: target.ip, port, timeout: 1 });
    // No SCTP in this kernel: the probe is one crafted INIT, and whether the receiver saw it.
    const tag = this.nextTag++;
    await source.agent.request({ op: 'probe', protocol: 'sctp', ip: target.ip, port, tag });
    await new Promise((resolve) => setTimeout(resolve, 500));
    return target.agent.request({ op: 'sctp-seen', tag });
  }

  /**
   * Applies a case step and probes until the tables match or `deadlineMs` passes (the daemons apply a change a
   * moment after the API server has it, as upstream's probes allow for); returns the mismatches left.
   */
  async runStep(step: CaseStep, deadlineMs = 20_000): Promise<string[]> {
    for (const action of step.actions) await this.apply(action);
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const failures: string[] = [];
      for (const { protocol, port, expected } of step.probes) {
        const observed = await this.probe(protocol, port);
        if (expected.compare(observed).length > 0) failures.push(`${protocol}/${port}:\nexpected\n${String(expected)}\nobserved\n${String(observed)}`);
      }
      if (failures.length === 0) return failures;
      if (Date.now() > deadline) return [...failures, await this.diagnose(step)];
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * For a failure: how long the mismatches last after the deadline (probing on for `watchMs`), and for up to three
   * pairs of each kind the source's neighbour entry, the OpenFlow verdict on the source's node (k8s-ovs-adm trace,
   * following the packet to the other node), the datapath flows and both nodes' conntrack entries of the pair.
   */
  private async diagnose(step: CaseStep, watchMs = 20_000): Promise<string> {
    const lines: string[] = [];
    for (const { protocol, port, expected } of step.probes) {
      const since = Date.now();
      let mismatches = expected.compare(await this.probe(protocol, port));
      const first = mismatches;
      while (mismatches.length > 0 && Date.now() - since < watchMs) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        mismatches = expected.compare(await this.probe(protocol, port));
      }
      lines.push(`${protocol}/${port}: ${first.length} mismatches at the deadline; ${mismatches.length
        ? `${mismatches.length} still after ${watchMs / 1000} s more` : `none after ${((Date.now() - since) / 1000).toFixed(1)} s more`}`);
      const pairs = [...first.filter((m) => m.expected).slice(0, 3), ...first.filter((m) => !m.expected).slice(0, 3)];
      for (const { from, to, expected: open } of pairs) lines.push(...await this.explainPair(from, to, protocol, port, open));
    }
    return `diagnosis after the deadline:\n${lines.join('\n')}`;
  }

  private async explainPair(from: PodKey, to: PodKey, protocol: Protocol, port: number, open: boolean): Promise<string[]> {
    const [source, target] = [this.pods.get(from)!, this.pods.get(to)!];
    const nodes = this.cluster.sandbox.nodes;
    const sourceNode = source.node;
    const remote = nodes.filter((node) => node !== sourceNode).flatMap((node) => ['--remote-ovs-rundir', `${node.ip}=${node.ovsRunDir}`]);
    const trace = await adm(sourceNode, ['--etcd-endpoints', this.cluster.etcdEndpoint, 'trace', `${source.namespace}/${source.name}`,
      `${target.namespace}/${target.name}:${port}/${protocol.toLowerCase()}`, '--ovs-rundir', sourceNode.ovsRunDir, ...remote]);
    const lines = [`${from} -> ${to} (${source.ip} -> ${target.ip}) ${protocol}/${port}, expected ${open ? 'open' : 'blocked'}:`,
      `  neighbour: ${(await source.netns.exec('ip', ['neigh', 'show', target.ip], { reject: false })).stdout.trim()}`,
      `  trace on ${sourceNode.name}:\n    ${`${trace.stdout}${trace.stderr}`.trim().split('\n').join('\n    ')}`];
    const ofPair = (text: string) => text.split('\n').filter((line) => line.includes(source.ip) && line.includes(target.ip));
    // Every probe leaves a connection in TIME_WAIT: the newest few tell the state.
    const listed = (entries: string[]) => (entries.length === 0 ? 'none'
      : `${entries.length}${entries.length > 8 ? ', the last 8' : ''}:\n    ${entries.slice(-8).join('\n    ')}`);
    for (const node of nodes) {
      const conntrack = ofPair((await node.appctl(['dpctl/dump-conntrack', '-s'], { reject: false })).stdout);
      const datapath = ofPair((await node.appctl(['dpctl/dump-flows'], { reject: false })).stdout);
      lines.push(`  ${node.name} conntrack: ${listed(conntrack)}`, `  ${node.name} datapath flows: ${listed(datapath)}`);
    }
    return lines;
  }

  async destroy(): Promise<void> {
    await this.cluster.destroy();
  }
}
