// The daemon's Prometheus endpoint: /metrics, /healthz and /readyz on --metrics-address (prom-client).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConnectionState } from '../../etcd/connection.js';
import { type Logger, silentLogger } from '../../log.js';
import { type Cookie, cookieCategory } from '../../ovs/cookie.js';
import type { DumpedFlow } from '../../ovs/dump.js';
import type { HostSubnetIpam } from '../ipam/allocator.js';
import type { NodeAgent } from '../node/agent.js';
import { OwnerKind } from '../pipeline/owners.js';
import { policyDrops } from '../pipeline/policy-flows.js';
import { PIPELINE_VERSION } from '../pipeline/tables.js';
import { packageVersion } from './heartbeat.js';

/** What the metrics read from the running daemon; every source is read at scrape time. */
export interface MetricsSources {
  store: { readonly connection: { readonly state: ConnectionState } };
  master: { readonly leading: boolean };
  /** The node's API-server watches, when the daemon follows an API server. */
  apiServer?: { readonly connected: boolean };
  /** The policy tables' flows with their statistics, when the plugin enforces NetworkPolicy. */
  policyFlowStats?: () => Promise<readonly DumpedFlow[]>;
  /** Flows the node wants on its switch, per owner (the dataplane's desired state). */
  desiredFlows: () => ReadonlyMap<Cookie, readonly unknown[]>;
  /** Namespaces whose VNID the node knows. */
  vnidCount: () => number;
  /** Undefined until the node has its HostSubnet. */
  ipam: () => { list(): Promise<readonly unknown[]>; readonly allocatableCount: number } | undefined;
  /** Size and claims of every accepted IP pool, cluster-wide as this node sees them. */
  poolUsage?: () => ReadonlyArray<{ pool: string; size: number; used: number }>;
  /** Why the node cannot serve pods yet; empty when ready. */
  notReady: () => string[];
  version: string;
  logger?: Logger;
}

export type CniResult = 'success' | 'error';

/** The sources of a running daemon: its store, master, node agent and (once open) IPAM. */
export function daemonMetricsSources(daemon: {
  store: MetricsSources['store'];
  master: MetricsSources['master'];
  apiServer?: MetricsSources['apiServer'];
  policyFlowStats?: MetricsSources['policyFlowStats'];
  agent: NodeAgent;
  ipam: () => HostSubnetIpam | undefined;
  logger?: Logger;
}): MetricsSources {
  const { store, master, apiServer, policyFlowStats, agent, ipam, logger } = daemon;
  return {
    store, master, ipam, version: packageVersion(), ...(logger ? { logger } : {}), ...(apiServer ? { apiServer } : {}),
    ...(policyFlowStats ? { policyFlowStats } : {}),
    desiredFlows: () => agent.dataplane.desiredFlows(),
    vnidCount: () => agent.vnids.size,
    poolUsage: () => agent.fixed.usage(),
    notReady: () => [
      ...(ipam() ? [] : ['the node is not set up yet (it waits for its HostSubnet)']),
      ...(store.connection.state === 'up' ? [] : [`etcd is ${store.connection.state === 'down' ? 'unreachable' : 'not reached yet'}`]),
    ],
  };
}

const OWNER_KINDS: ReadonlyMap<number, string> = new Map(
  Object.entries(OwnerKind).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k.toLowerCase()]));

const CNI_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Parses `HOST:PORT` (`[v6]:PORT`, or `:PORT` for every address). */
export function parseListenAddress(text: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`--metrics-address: "${text}" is not HOST:PORT (e.g. 127.0.0.1:9101; empty disables metrics)`);
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

/** The TCP port pods could open if the endpoint listens beyond loopback (none when disabled or on loopback). */
export function exposedMetricsPorts(address: string): number[] {
  if (address === '') return [];
  const { host, port } = parseListenAddress(address);
  const loopback = host !== undefined && (/^127\./.test(host) || host === 'localhost' || host === '::1');
  return loopback ? [] : [port];
}

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly cniRequests: Counter<'command' | 'result'>;
  private readonly cniSeconds: Histogram<'command' | 'result'>;
  private server?: http.Server;
  private readonly log: Logger;

  constructor(private readonly sources: MetricsSources) {
    this.log = (sources.logger ?? silentLogger).child({ component: 'metrics' });
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.cniRequests = new Counter({ name: 'k8s_ovs_cni_requests_total', help: 'CNI requests served, by command and result',
      labelNames: ['command', 'result'], registers });
    this.cniSeconds = new Histogram({ name: 'k8s_ovs_cni_request_duration_seconds',
      help: 'Time from a CNI request to its answer, by command and result', labelNames: ['command', 'result'],
      buckets: CNI_BUCKETS, registers });
    new Gauge({ name: 'k8s_ovs_build_info', help: 'Always 1; the labels name the daemon and pipeline version',
      labelNames: ['version', 'pipeline_version'], registers,
      collect() { this.set({ version: sources.version, pipeline_version: PIPELINE_VERSION }, 1); } });
    new Gauge({ name: 'k8s_ovs_flows', help: 'OpenFlow flows the node programs on br0, by owner kind',
      labelNames: ['owner_kind'], registers,
      collect() {
        const counts = new Map<string, number>([...OWNER_KINDS.values()].map((kind) => [kind, 0]));
        for (const [cookie, flows] of sources.desiredFlows()) {
          const kind = OWNER_KINDS.get(cookieCategory(cookie)) ?? 'other';
          counts.set(kind, (counts.get(kind) ?? 0) + flows.length);
        }
        for (const [kind, count] of counts) this.set({ owner_kind: kind }, count);
      } });
    new Gauge({ name: 'k8s_ovs_vnid_namespaces', help: 'Namespaces whose VNID this node knows (its VNID map)',
      registers, collect() { this.set(sources.vnidCount()); } });
    new Gauge({ name: 'k8s_ovs_ipam_allocated_addresses', help: 'Pod addresses handed out from this node\'s HostSubnet',
      registers, async collect() { const ipam = sources.ipam(); this.set(ipam ? (await ipam.list()).length : 0); } });
    new Gauge({ name: 'k8s_ovs_ipam_capacity_addresses', help: 'Pod addresses this node\'s HostSubnet can hand out (0 until it has one)',
      registers, collect() { this.set(sources.ipam()?.allocatableCount ?? 0); } });
    const poolUsage = sources.poolUsage;
    if (poolUsage) {
      const usage = (name: string, help: string, value: (u: { size: number; used: number }) => number) => new Gauge({
        name, help, labelNames: ['pool'], registers,
        collect() {
          this.reset();
          for (const pool of poolUsage()) this.set({ pool: pool.pool }, value(pool));
        },
      });
      usage('k8s_ovs_ippool_size_addresses', 'Addresses an accepted IP pool hands out', (u) => u.size);
      usage('k8s_ovs_ippool_used_addresses', 'Addresses of an IP pool claimed by pods, cluster-wide (retained ones included)', (u) => u.used);
      usage('k8s_ovs_ippool_free_addresses', 'Addresses of an IP pool no pod claims', (u) => u.size - u.used);
    }
    new Gauge({ name: 'k8s_ovs_etcd_up', help: '1 while the daemon reaches etcd, 0 when it lost it or has not reached it yet',
      registers, collect() { this.set(sources.store.connection.state === 'up' ? 1 : 0); } });
    new Gauge({ name: 'k8s_ovs_master_leading', help: '1 while this daemon is the elected SDN master',
      registers, collect() { this.set(sources.master.leading ? 1 : 0); } });
    const policyFlowStats = sources.policyFlowStats;
    if (policyFlowStats) {
      // Read from the drop flows' own counters at scrape time: a flow re-installed (its pod's isolation changed) starts at 0.
      new Counter({ name: 'k8s_ovs_networkpolicy_dropped_packets_total',
        help: 'Packets dropped because NetworkPolicy isolates their pod and no rule admits them, by direction and isolating policy',
        labelNames: ['direction', 'policy'], registers,
        async collect() {
          this.reset();
          for (const { direction, policy, packets } of policyDrops(await policyFlowStats()).values()) this.inc({ direction, policy }, packets);
        } });
    }
    const apiServer = sources.apiServer;
    if (apiServer) {
      new Gauge({ name: 'k8s_ovs_apiserver_up', help: '1 while the node\'s watches reach the Kubernetes API server',
        registers, collect() { this.set(apiServer.connected ? 1 : 0); } });
    }
  }

  /** The CNI server's `observe` hook. */
  readonly observeCni = (command: string, result: CniResult, seconds: number): void => {
    this.cniRequests.inc({ command, result });
    this.cniSeconds.observe({ command, result }, seconds);
  };

  /** Serves on `address` (HOST:PORT); an empty address disables the endpoint. Returns where it listens. */
  async listen(address: string): Promise<string | undefined> {
    if (address === '') return undefined;
    const { host, port } = parseListenAddress(address);
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const bound = server.address() as AddressInfo;
    const where = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
    this.log.info('metrics listening', { address: where });
    return where;
  }

  /**
   * Like listen(), but a port that cannot be bound (in use, no such address) is logged, not fatal:
   * the SDN matters more than its metrics. A malformed address still throws.
   */
  async start(address: string): Promise<void> {
    parseListenAddress(address === '' ? ':0' : address);
    try {
      await this.listen(address);
    } catch (error) {
      this.log.error('metrics endpoint not started', { address, error: (error as Error).message,
        hint: 'choose another --metrics-address, or an empty one to disable it' });
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET\n');
      switch (path) {
        case '/metrics':
          return send(res, 200, await this.registry.metrics(), this.registry.contentType);
        case '/healthz':
          return send(res, 200, 'ok\n');
        case '/readyz': {
          const problems = this.sources.notReady();
          return problems.length === 0 ? send(res, 200, 'ok\n') : send(res, 503, `not ready: ${problems.join('; ')}\n`);
        }
        default:
          return send(res, 404, 'not found: try /metrics, /healthz or /readyz\n');
      }
    } catch (error) {
      this.log.warn('metrics request failed', { path, error: (error as Error).message });
      send(res, 500, `error: ${(error as Error).message}\n`);
    }
  }
}

function send(res: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
