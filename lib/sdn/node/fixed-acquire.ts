// Chooses and claims a pod's fixed address: checked against the pools and HostSubnets, claimed by one transaction.
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import { type FixedClaim, podKey } from '../fixed/claim.js';
import { type ClaimOutcome, type ClaimWriter, type HeldClaim } from '../fixed/claims.js';
import { AddressConflictError, FixedRequestError, PoolExhaustedError, PoolNotReadyError } from '../fixed/errors.js';
import { type IpPool, poolAddress, poolAllows, poolSize, reservedByPool } from '../fixed/pool.js';
import type { FixedRequest } from '../fixed/request.js';
import type { HostSubnet } from '../records.js';
import type { ClaimBook } from '../fixed/claim-book.js';
import type { PoolBook } from './pool-book.js';
import { podMac } from './podports.js';

export interface AcquireInput {
  namespace: string;
  pod: string;
  podUid: string;
  containerId: string;
  request: FixedRequest;
}

/** A claimed address; `takenFrom` is where it was before, when this ADD took over the pod's own claim. */
export interface Lease {
  held: HeldClaim;
  takenFrom: { node: Ipv4 | ''; containerId: string } | null;
}

export interface AcquirerContext {
  writer: ClaimWriter;
  pools: PoolBook;
  claims: ClaimBook;
  clusterNetwork: Cidr;
  /** The HostSubnet that holds `ip`, if any. */
  hostSubnetOf(ip: Ipv4): HostSubnet | undefined;
  self: Ipv4;
  now(): string;
}

/** Claims tried per ADD before giving up on a pool (each failed try means another node took that address). */
const MAX_TRIES = 16;

interface Candidate {
  ip: Ipv4;
  pool: IpPool;
}

export class AddressAcquirer {
  constructor(private readonly ctx: AcquirerContext) {}

  async acquire(input: AcquireInput): Promise<Lease> {
    const accepts = this.acceptor(input);
    const candidates = this.candidates(input, accepts);
    let tries = 0;
    for (const candidate of candidates) {
      if (++tries > MAX_TRIES) break;
      const lease = await this.claimOne(input, candidate, accepts);
      if (lease) return lease;
    }
    const { wish } = input.request;
    if (wish.kind === 'address') throw new AddressConflictError(`${wish.ip} is claimed by another pod`);
    throw new PoolExhaustedError(wish.kind === 'pool'
      ? `IP pool ${wish.pool} has no free address (${this.used(wish.pool)} of ${poolSize(this.usablePool(wish.pool, input.namespace))} claimed)`
      : `every address of ${input.request.source} is claimed by another pod`);
  }

  /** The pool an address belongs to, if `namespace` may have it; throws naming what is wrong with it. */
  checkAddress(ip: Ipv4, namespace: string): IpPool {
    const network = this.ctx.clusterNetwork;
    if (!network.contains(ip)) throw new FixedRequestError(`${ip} is outside the cluster network ${network.toString()}`);
    if (ip === network.network || ip === network.address(network.size - 1)) {
      throw new FixedRequestError(`${ip} is the network or broadcast address of the cluster network ${network.toString()}`);
    }
    const host = this.ctx.hostSubnetOf(ip);
    if (host?.subnet) {
      const what = host.subnet.address(1) === ip ? 'the gateway of' : 'inside';
      throw new FixedRequestError(`${ip} is ${what} node ${host.host}'s HostSubnet ${host.subnet.toString()}: only IP pool addresses can be fixed`);
    }
    const pools = this.ctx.pools.containing(ip);
    if (pools.length === 0) throw new FixedRequestError(`${ip} is in no IP pool (see: k8s-ovs-adm get ippools)`);
    const verdicts = pools.map((pool) => this.ctx.pools.verdict(pool.name));
    const usable = verdicts.find((v) => v.usable);
    if (!usable?.usable) {
      const waiting = verdicts.find((v) => !v.usable && v.wait);
      if (waiting && !waiting.usable) throw new PoolNotReadyError(waiting.reason);
      throw new FixedRequestError(verdicts[0]!.usable ? '' : verdicts[0]!.reason);
    }
    const pool = usable.pool;
    if (!poolAllows(pool, namespace)) throw new FixedRequestError(`IP pool ${pool.name} (${ip}) does not allow namespace ${namespace}`);
    const reserved = reservedByPool(pool, ip);
    if (reserved) throw new FixedRequestError(`${ip} is ${reserved}`);
    return pool;
  }

  private usablePool(name: string, namespace: string): IpPool {
    const verdict = this.ctx.pools.verdict(name);
    if (!verdict.usable) throw verdict.wait ? new PoolNotReadyError(verdict.reason) : new FixedRequestError(verdict.reason);
    if (!poolAllows(verdict.pool, namespace)) throw new FixedRequestError(`IP pool ${name} does not allow namespace ${namespace}`);
    return verdict.pool;
  }

  /** Which addresses satisfy the request (the pod's own claim may be kept when one does). */
  private acceptor(input: AcquireInput): (ip: Ipv4) => IpPool | undefined {
    const { wish } = input.request;
    const check = (ip: Ipv4): IpPool | undefined => {
      try {
        return this.checkAddress(ip, input.namespace);
      } catch {
        return undefined;
      }
    };
    if (wish.kind === 'address') return (ip) => (ip === wish.ip ? check(ip) : undefined);
    if (wish.kind === 'list') return (ip) => (wish.ips.includes(ip) ? check(ip) : undefined);
    return (ip) => {
      const pool = check(ip);
      return pool?.name === wish.pool ? pool : undefined;
    };
  }

  /** The pod's own claim first when it still fits, then free addresses (a pool from a random point, to spread races). */
  private *candidates(input: AcquireInput, accepts: (ip: Ipv4) => IpPool | undefined): Generator<Candidate> {
    const { wish } = input.request;
    const own = this.ctx.claims.ofPod(input.namespace, input.pod);
    const ownPool = own ? accepts(own.claim.ip) : undefined;
    if (own && ownPool) yield { ip: own.claim.ip, pool: ownPool };
    if (wish.kind === 'address') {
      if (own?.claim.ip !== wish.ip) yield { ip: wish.ip, pool: this.checkAddress(wish.ip, input.namespace) };
      return;
    }
    if (wish.kind === 'list') {
      for (const ip of wish.ips) this.checkAddress(ip, input.namespace);
      for (const ip of wish.ips) if (!this.ctx.claims.taken(ip)) yield { ip, pool: accepts(ip)! };
      return;
    }
    const pool = this.usablePool(wish.pool, input.namespace);
    const size = poolSize(pool);
    const start = Math.floor(Math.random() * size);
    for (let i = 0; i < size; i++) {
      const ip = poolAddress(pool, (start + i) % size)!;
      if (!this.ctx.claims.taken(ip) && !reservedByPool(pool, ip) && !this.ctx.hostSubnetOf(ip)) yield { ip, pool };
    }
  }

  private used(poolName: string): number {
    return this.ctx.claims.all().filter((held) => held.claim.pool === poolName).length;
  }

  private desired(input: AcquireInput, candidate: Candidate): FixedClaim {
    const { request } = input;
    return {
      ip: candidate.ip, mac: request.mac ?? podMac(candidate.ip), namespace: input.namespace, pod: input.pod, podUid: input.podUid,
      node: this.ctx.self, containerId: input.containerId, kind: request.wish.kind === 'pool' ? 'pool' : 'static',
      pool: candidate.pool.name, retain: request.retain, statefulSet: request.statefulSet, previous: '', time: this.ctx.now(),
    };
  }

  /** One claim attempt; null means "try the next candidate". */
  private async claimOne(input: AcquireInput, candidate: Candidate, accepts: (ip: Ipv4) => IpPool | undefined): Promise<Lease | null> {
    const desired = this.desired(input, candidate);
    for (let round = 0; round < MAX_TRIES; round++) {
      const outcome = await this.ctx.writer.create(desired);
      if (outcome.ok) return this.won(outcome.held, null);
      if (outcome.podHas === null) return this.refused(input, desired, outcome);
      const own = outcome.podHas === desired.ip ? outcome.address : await this.ctx.writer.read(outcome.podHas);
      if (!own || own.claim.namespace !== input.namespace || own.claim.pod !== input.pod) {
        throw new AddressConflictError(`the pod index key of ${podKey(input.namespace, input.pod)} names ${outcome.podHas}, `
          + 'which is not this pod\'s claim; fix or delete it with etcdctl');
      }
      const keep = accepts(own.claim.ip) !== undefined && (input.request.mac === null || input.request.mac === own.claim.mac);
      if (keep) {
        const taken = await this.takeOver(input, own);
        if (taken) return taken;
        continue;
      }
      const switched = await this.ctx.writer.switchTo(own, desired);
      if (switched.ok) return this.won(switched.held, null);
      if (switched.address && switched.address.claim.ip === desired.ip) return this.refused(input, desired, switched);
      if (switched.macOf !== null && switched.macOf !== own.claim.ip) return this.refused(input, desired, switched);
    }
    throw new AddressConflictError(`${desired.ip}: the claim kept changing while it was being taken; try again`);
  }

  /** The pod's own claim (its earlier sandbox, or its name's retained address) now held by this sandbox on this node. */
  private async takeOver(input: AcquireInput, own: HeldClaim): Promise<Lease | null> {
    const before = own.claim;
    const previous = before.node !== '' && before.node !== this.ctx.self ? before.node : before.previous;
    const next: FixedClaim = { ...before, node: this.ctx.self, containerId: input.containerId, podUid: input.podUid,
      retain: input.request.retain, statefulSet: input.request.statefulSet, previous, time: this.ctx.now() };
    const held = await this.ctx.writer.update(own, next);
    return held ? this.won(held, { node: before.node, containerId: before.containerId }) : null;
  }

  private won(held: HeldClaim, takenFrom: Lease['takenFrom']): Lease {
    this.ctx.claims.record(held);
    return { held, takenFrom };
  }

  /** The address or MAC is another pod's: for a named address that is the answer; for a pool, the next one. */
  private refused(input: AcquireInput, desired: FixedClaim, outcome: Extract<ClaimOutcome, { ok: false }>): null {
    if (outcome.address) this.ctx.claims.record(outcome.address);
    const holder = outcome.address?.claim;
    const who = holder && holder.namespace === input.namespace ? `pod ${holder.namespace}/${holder.pod}` : 'a pod of another namespace';
    if (outcome.address && input.request.wish.kind === 'address') throw new AddressConflictError(`${desired.ip} is claimed by ${who}`);
    if (!outcome.address && outcome.macOf !== null && input.request.mac !== null) {
      throw new AddressConflictError(`MAC ${desired.mac} is claimed by another pod (address ${outcome.macOf})`);
    }
    return null;
  }
}
