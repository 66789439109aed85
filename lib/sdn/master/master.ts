// The SDN master: campaigns for leadership and, only while it leads, hands out node subnets and VNIDs.
import type { Candidacy } from '../../etcd/election.js';
import type { Fence, Store } from '../../etcd/types.js';
import { type Logger, silentLogger } from '../../log.js';
import type { VnidRange } from '../../tenant/allocator.js';
import { type NetworkConfig, isMultitenant } from '../config.js';
import { type NetworkKeys, networkKeys } from '../layout.js';
import type { HostSubnet, NetNamespace } from '../records.js';
import { ClaimReleaser, type WorkloadView } from './claim-release.js';
import { MasterClaims } from './claims.js';
import { IpPoolController } from './ippools.js';
import { NetNamespaceController } from './netnamespaces.js';
import { SubnetController } from './subnets.js';
import { NotLeaderError, Term } from './term.js';

export { NotLeaderError } from './term.js';
export { InvalidNamespaceError } from './netnamespaces.js';
export { InvalidNodeError } from './subnets.js';
export type { WorkloadView } from './claim-release.js';

export interface MasterOptions {
  /** Announced in the election (e.g. the hostname); shows which master leads. */
  identity: string;
  /** Lease TTL in seconds: how long a crashed leader blocks a successor (default 10). */
  electionTtlSeconds?: number | undefined;
  /** Namespaces kept global (VNID 0) besides `kube-system`. */
  adminNamespaces?: readonly string[] | undefined;
  /** Narrows the assignable VNIDs (tests). */
  vnidRange?: VnidRange | undefined;
  logger?: Logger | undefined;
}

interface Leadership {
  term: Term;
  subnets: SubnetController;
  netNamespaces: NetNamespaceController | null;
  claims: MasterClaims;
  pools: IpPoolController;
  /** Only with an API server: it tells which StatefulSets and pods exist. */
  releaser: ClaimReleaser | null;
}

/**
 * Inputs ("a node exists", "a namespace exists", and their removal) arrive as plain calls; they
 * throw NotLeaderError on a master that does not lead, so the caller (an informer) resyncs
 * on whichever master reports leading through onLeadershipChange.
 */
export class Master {
  private readonly keys: NetworkKeys;
  private readonly logger: Logger;
  private candidacy: Candidacy | null = null;
  private leadership: Leadership | null = null;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private workloads: WorkloadView | null = null;

  constructor(
    private readonly store: Store,
    readonly config: NetworkConfig,
    private readonly options: MasterOptions,
  ) {
    this.keys = networkKeys(config.name);
    this.logger = (options.logger ?? silentLogger).child({ component: 'master', identity: options.identity });
  }

  get leading(): boolean {
    return this.leadership?.term.active ?? false;
  }

  onLeadershipChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.candidacy !== null) return;
    this.candidacy = this.store.campaign(this.keys.masterElection, this.options.identity, {
      elected: (fence) => this.lead(fence),
      deposed: (reason) => this.follow(reason),
    }, { ttlSeconds: this.options.electionTtlSeconds });
  }

  /** Stops acting and resigns, so another master takes over without waiting for the TTL. */
  async stop(): Promise<void> {
    const candidacy = this.candidacy;
    this.candidacy = null;
    this.follow(new NotLeaderError('master stopped'));
    await candidacy?.resign();
  }

  /** Resolves once a freshly elected master has loaded its state from etcd. */
  async whenLoaded(): Promise<void> {
    const leadership = this.current();
    await Promise.all([leadership.subnets.ready, leadership.netNamespaces?.ready, leadership.pools.ready]);
  }

  /** The API server's StatefulSets and pods, which decide when retained fixed addresses go (before start()). */
  useWorkloads(workloads: WorkloadView): void {
    this.workloads = workloads;
  }

  /** A StatefulSet changed or went, or one of its pods went: its retained addresses may be free now. */
  recheckStatefulSet(namespace: string, name: string): Promise<void> {
    return this.current().releaser?.recheck(namespace, name) ?? Promise.resolve();
  }

  /** Every retained address may be free now (the API server's lists just arrived). */
  recheckRetained(): Promise<void> {
    return this.current().releaser?.recheckAll() ?? Promise.resolve();
  }

  ensureNodeSubnet(host: string, hostIp: string): Promise<HostSubnet> {
    return this.current().subnets.ensure(host, hostIp);
  }

  releaseNodeSubnet(hostIp: string): Promise<void> {
    return this.current().subnets.release(hostIp);
  }

  /** The namespace's NetNamespace; null with the k8s-ovs-subnet plugin, which has no VNIDs. */
  async ensureNamespace(namespace: string): Promise<NetNamespace | null> {
    const controller = this.current().netNamespaces;
    return controller === null ? null : controller.ensure(namespace);
  }

  async releaseNamespace(namespace: string): Promise<void> {
    await this.current().netNamespaces?.release(namespace);
  }

  private current(): Leadership {
    const leadership = this.leadership;
    if (leadership === null || !leadership.term.active) throw new NotLeaderError('this master is not the leader');
    return leadership;
  }

  private lead(fence: Fence): void {
    this.follow(new NotLeaderError('re-elected'));
    const term = new Term(this.store, fence, this.config, this.keys, this.logger, (reason) => {
      void this.candidacy?.stepDown(reason);
    });
    const multitenant = isMultitenant(this.config.plugin);
    const subnets = new SubnetController(term);
    const claims = new MasterClaims(term);
    const leadership: Leadership = {
      term,
      subnets,
      claims,
      pools: new IpPoolController(term, subnets, claims),
      releaser: this.workloads ? new ClaimReleaser(term, claims, this.workloads) : null,
      netNamespaces: multitenant
        ? new NetNamespaceController(term, {
          adminNamespaces: this.options.adminNamespaces, vnidRange: this.options.vnidRange,
        })
        : null,
    };
    this.leadership = leadership;
    this.logger.info('leading: loading state from etcd');
    leadership.claims.start();
    leadership.subnets.start();
    leadership.netNamespaces?.start();
    leadership.pools.start();
    leadership.releaser?.start();
    for (const listener of this.listeners) listener(true);
  }

  /** Stops acting at once; writes already sent are fenced, so they fail if the lease is gone. */
  private follow(reason: Error): void {
    const leadership = this.leadership;
    if (leadership === null) return;
    this.leadership = null;
    leadership.term.end();
    this.logger.warn('stopped leading', { reason: reason.message });
    void leadership.subnets.stop();
    void leadership.netNamespaces?.stop();
    void leadership.pools.stop();
    leadership.releaser?.stop();
    void leadership.claims.stop();
    for (const listener of this.listeners) listener(false);
  }
}
