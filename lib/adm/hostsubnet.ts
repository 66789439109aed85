// `k8s-ovs-adm hostsubnet assign|release`: subnets for hosts outside Kubernetes, asked of the master.
import type { Argv, CommandModule } from 'yargs';
import type { EtcdFlags } from '../cli/etcd-flags.js';
import type { KeyValue } from '../etcd/types.js';
import { AddressError, type Ipv4, parseIpv4 } from '../net/ipv4.js';
import { nodeSubnetPrefixLength } from '../sdn/config.js';
import { heartbeatKey, parseHeartbeat } from '../sdn/heartbeat-record.js';
import { type HostSubnet, RecordError, parseHostSubnet, serializeHostSubnet } from '../sdn/records.js';
import { type AdmEnvironment, type Cluster, pollUntil, withCluster } from './context.js';
import { AdmError, UsageError } from './errors.js';
import { formatAge, renderTable } from './table.js';

interface AssignFlags extends EtcdFlags {
  host: string;
  ip: string;
  timeout: number;
  wait: boolean;
}

interface ReleaseFlags extends EtcdFlags {
  ip: string;
  force: boolean;
}

const CAS_ATTEMPTS = 5;

export function hostSubnetCommand(env: AdmEnvironment, done: (code: number) => void): CommandModule {
  return {
    command: 'hostsubnet',
    describe: 'assign or release the subnet of a host',
    builder: (yargs: Argv) => yargs
      .command({
        command: 'assign <host> <ip>',
        describe: 'ask the master for a subnet for a host (e.g. one outside Kubernetes) and print it',
        builder: (y: Argv) => y
          .positional('host', { type: 'string', describe: 'the host name' })
          .positional('ip', { type: 'string', describe: 'the host\'s underlay IP (the HostSubnet key)' })
          .option('timeout', { type: 'number', default: 30, describe: 'seconds to wait for the master' })
          .option('wait', { type: 'boolean', default: true, describe: 'wait for the subnet (--no-wait only submits)' })
          .example('$0 hostsubnet assign gw1 192.168.50.9', '')
          .example('$0 hostsubnet assign gw1 192.168.50.9 --no-wait', 'only submit the request'),
        handler: async (args) => done(await runAssign(env, args as unknown as AssignFlags)),
      })
      .command({
        command: 'release <ip>',
        describe: 'delete the HostSubnet of a host and return its subnet to the pool',
        builder: (y: Argv) => y
          .positional('ip', { type: 'string', describe: 'the host\'s underlay IP' })
          .option('force', { type: 'boolean', default: false, describe: 'release even while a daemon on that host is running' })
          .example('$0 hostsubnet release 192.168.50.9', '')
          .example('$0 hostsubnet release 192.168.50.9 --force', 'even though its daemon still beats'),
        handler: async (args) => done(await runRelease(env, args as unknown as ReleaseFlags)),
      })
      .example('$0 hostsubnet assign gw1 192.168.50.9', 'prints the subnet the master assigned')
      .example('$0 hostsubnet release 192.168.50.9', 'the subnet goes back to the pool')
      .demandCommand(1, 'name a hostsubnet command: assign or release'),
    handler: () => undefined,
  };
}

function hostIpArgument(text: string): Ipv4 {
  try {
    return parseIpv4(text, 'ip');
  } catch (error) {
    if (error instanceof AddressError) throw new UsageError(`${error.message}: give the host's underlay IPv4 address`);
    throw error;
  }
}

function parseStored(cluster: Cluster, kv: KeyValue): HostSubnet {
  try {
    return parseHostSubnet(kv.key, kv.value);
  } catch (error) {
    if (error instanceof RecordError) throw new AdmError(`${cluster.prefix}/${error.message}; fix or delete it with etcdctl`);
    throw error;
  }
}

function table(record: HostSubnet): string {
  return renderTable(['HOST', 'HOST-IP', 'SUBNET'], [[record.host, record.hostIp, record.subnet?.toString() ?? '<pending>']]);
}

export async function runAssign(env: AdmEnvironment, flags: AssignFlags): Promise<number> {
  const hostIp = hostIpArgument(flags.ip);
  if (flags.host.trim() === '') throw new UsageError('host: give the host\'s name');
  return withCluster(env, flags, async (cluster) => {
    const key = cluster.keys.subnet(hostIp);
    const request = serializeHostSubnet({ host: flags.host, hostIp, subnet: null, assign: true });
    const created = await cluster.store.txn().ifAbsent(key).put(key, request).commit();
    if (!created.succeeded) {
      const existing = parseStored(cluster, created.current.get(key)!);
      if (existing.host !== flags.host) {
        throw new AdmError(`${hostIp} already has a HostSubnet for host "${existing.host}" `
          + `(${existing.subnet?.toString() ?? 'pending'}); release it first: k8s-ovs-adm hostsubnet release ${hostIp}`);
      }
      if (existing.subnet !== null && !existing.assign) {
        env.out(table(existing));
        return 0;
      }
    }
    if (!flags.wait) {
      env.out(`submitted: a subnet for ${flags.host} (${hostIp}); see it with: k8s-ovs-adm get hostsubnets ${hostIp}\n`);
      return 0;
    }
    const assigned = await pollUntil(env, flags.timeout * 1000, async () => {
      const kv = await cluster.store.get(key);
      if (kv === null) throw new AdmError(`${cluster.prefix}/${key} was deleted while waiting for the master`);
      const record = parseStored(cluster, kv);
      return record.subnet !== null && !record.assign ? record : undefined;
    });
    if (!assigned) {
      throw new AdmError(`the master did not assign a subnet to ${hostIp} within ${flags.timeout} s; the request stays in `
        + `etcd. ${await poolHint(cluster)}`);
    }
    env.out(table(assigned));
    return 0;
  });
}

/**
 * Does what the master's own release does, in one transaction: deletes the HostSubnet and the
 * subnet's claim (only while the claim still names this host), so the subnet is free at once,
 * even with no master running. A running master sees the delete and frees it in its pool too.
 */
export async function runRelease(env: AdmEnvironment, flags: ReleaseFlags): Promise<number> {
  const hostIp = hostIpArgument(flags.ip);
  return withCluster(env, flags, async (cluster) => {
    const key = cluster.keys.subnet(hostIp);
    if (!flags.force) await refuseLiveDaemon(env, cluster, hostIp);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const kv = await cluster.store.get(key);
      if (kv === null) throw new AdmError(`no HostSubnet for ${hostIp} (nothing at ${cluster.prefix}/${key}); see: k8s-ovs-adm get hostsubnets`);
      const record = parseStored(cluster, kv);
      const txn = cluster.store.txn().ifModRevision(key, kv.modRevision).delete(key);
      if (record.subnet !== null) {
        const claimKey = cluster.keys.subnetClaim(record.subnet.toString());
        const claim = await cluster.store.get(claimKey);
        if (claim !== null && claim.value === hostIp) txn.ifModRevision(claimKey, claim.modRevision).delete(claimKey);
        // As the master does: the host gets this subnet back if it returns while the subnet is free.
        txn.put(cluster.keys.subnetHistoryOf(hostIp), record.subnet.toString());
      }
      if ((await txn.commit()).succeeded) {
        env.out(`released ${record.subnet?.toString() ?? 'the pending request'} of ${record.host} (${hostIp})\n`);
        return 0;
      }
    }
    throw new AdmError(`the HostSubnet of ${hostIp} kept changing while it was being released; try again`);
  });
}

/** Why a request may be waiting: no free subnet left, or no master. */
async function poolHint(cluster: Cluster): Promise<string> {
  const { config } = cluster;
  const capacity = 2 ** (32 - config.network.prefixLength - config.hostSubnetLength);
  const used = (await cluster.store.list(cluster.keys.subnetClaims)).items.length;
  if (used >= capacity) {
    return `The cluster network ${config.network.toString()} has no free /${nodeSubnetPrefixLength(config)} left `
      + `(${used} of ${capacity} in use): release one (k8s-ovs-adm hostsubnet release <ip>)`;
  }
  return `${capacity - used} of ${capacity} subnets are free: check that a master runs (k8s-ovs-adm status)`;
}

async function refuseLiveDaemon(env: AdmEnvironment, cluster: Cluster, hostIp: Ipv4): Promise<void> {
  const kv = await cluster.store.get(heartbeatKey(cluster.config.name, hostIp));
  if (kv === null) return;
  let detail = '';
  try {
    const beat = parseHeartbeat(kv.key, kv.value);
    detail = ` on "${beat.host}" (last heartbeat ${formatAge(env.now().getTime() - Date.parse(beat.time))} ago)`;
  } catch (error) {
    if (!(error instanceof RecordError)) throw error;
  }
  throw new AdmError(`a k8s-ovs daemon${detail} runs with this subnet and its pods use it; stop the daemon first, `
    + 'or give --force');
}
