// `k8s-ovs-adm ippool create|delete|get`: IP pools for fixed pod addresses, written to etcd and judged by the master.
import type { Argv, CommandModule } from 'yargs';
import type { EtcdFlags } from '../cli/etcd-flags.js';
import { ANY_NAMESPACE, type IpPool, isPoolName, parseIpPool, parseIpPoolStatus, serializeIpPool } from '../sdn/fixed/pool.js';
import { RecordError } from '../sdn/records.js';
import { type AdmEnvironment, type Cluster, pollUntil, withCluster } from './context.js';
import { AdmError, UsageError } from './errors.js';
import { readClaims, readPools, renderPoolTable } from './fixed-inventory.js';
import { getIpPools } from './get.js';
import { OUTPUT_FORMATS, type OutputFormat } from './output.js';

interface CreateFlags extends EtcdFlags {
  name: string;
  cidr?: string;
  range?: string[];
  namespaces: string[];
  replace: boolean;
  wait: boolean;
  timeout: number;
}

interface DeleteFlags extends EtcdFlags {
  name: string;
  force: boolean;
}

interface ListFlags extends EtcdFlags {
  names: string[];
  output: OutputFormat;
}

const list = (v: string[]) => v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

export function ipPoolCommand(env: AdmEnvironment, done: (code: number) => void): CommandModule {
  return {
    command: 'ippool',
    describe: 'create, delete or list the IP pools fixed pod addresses come from',
    builder: (yargs: Argv) => yargs
      .command({
        command: 'create <name>',
        describe: 'write a pool and wait for the master to accept it (it refuses one that overlaps a node subnet or pool)',
        builder: (y: Argv) => y
          .positional('name', { type: 'string', describe: 'the pool name (a DNS label), as pods name it in k8s.ovs.com/ip-pool' })
          .option('cidr', { type: 'string', describe: 'the pool\'s CIDR inside the cluster network (its first and last address are not handed out)' })
          .option('range', { type: 'string', array: true, coerce: list, describe: 'FIRST-LAST or single addresses instead of --cidr (repeat or comma-separate)' })
          .option('namespaces', { type: 'string', array: true, coerce: list, demandOption: true,
            describe: `namespaces whose pods may use it, or "${ANY_NAMESPACE}" for all` })
          .option('replace', { type: 'boolean', default: false, describe: 'replace an existing pool of that name' })
          .option('wait', { type: 'boolean', default: true, describe: 'wait for the master\'s verdict (--no-wait only writes)' })
          .option('timeout', { type: 'number', default: 30, describe: 'seconds to wait for the verdict' })
          .example('$0 ippool create db --cidr 10.130.0.0/24 --namespaces red,blue', '')
          .example('$0 ippool create legacy --range 10.130.1.10-10.130.1.20,10.130.1.30 --namespaces "*"', ''),
        handler: async (args) => done(await runCreate(env, args as unknown as CreateFlags)),
      })
      .command({
        command: 'delete <name>',
        describe: 'delete a pool (refused while addresses of it are claimed, unless --force)',
        builder: (y: Argv) => y
          .positional('name', { type: 'string', describe: 'the pool name' })
          .option('force', { type: 'boolean', default: false, describe: 'delete even though pods hold its addresses (they keep them)' }),
        handler: async (args) => done(await runDelete(env, args as unknown as DeleteFlags)),
      })
      .command({
        command: 'get [names..]',
        describe: 'list pools: addresses, namespaces, size, used, free and the master\'s verdict (same as get ippools)',
        builder: (y: Argv) => y
          .positional('names', { type: 'string', array: true, default: [] })
          .option('output', { alias: 'o', choices: OUTPUT_FORMATS, default: 'table' as const, describe: 'output format' }),
        handler: async (args) => done(await withCluster(env, args as unknown as ListFlags,
          (cluster) => getIpPools(env, cluster, args as unknown as ListFlags))),
      })
      .demandCommand(1, 'name an ippool command: create, delete or get'),
    handler: () => undefined,
  };
}

function poolText(flags: CreateFlags): string {
  if (!isPoolName(flags.name)) throw new UsageError(`name: "${flags.name}" is not a DNS label (a-z, 0-9, '-'), which pods name in annotations`);
  const ranges = flags.range ?? [];
  if ((flags.cidr === undefined) === (ranges.length === 0)) throw new UsageError('give either --cidr or --range');
  return JSON.stringify({
    Name: flags.name, ...(flags.cidr !== undefined ? { CIDR: flags.cidr } : { Ranges: ranges }), Namespaces: flags.namespaces,
  });
}

export async function runCreate(env: AdmEnvironment, flags: CreateFlags): Promise<number> {
  const text = poolText(flags);
  return withCluster(env, flags, async (cluster) => {
    const key = cluster.keys.ipPool(flags.name);
    let pool: IpPool;
    try {
      pool = parseIpPool(key, text, cluster.config.network);
    } catch (error) {
      if (error instanceof RecordError) throw new UsageError(error.message.slice(key.length + 2));
      throw error;
    }
    const existing = await cluster.store.get(key);
    if (existing && !flags.replace) {
      throw new AdmError(`IP pool ${flags.name} exists (${cluster.prefix}/${key}); give --replace to change it, see: k8s-ovs-adm get ippools ${flags.name}`);
    }
    const written = await cluster.store.txn().ifModRevision(key, existing?.modRevision ?? 0).put(key, serializeIpPool(pool)).commit();
    if (!written.succeeded) throw new AdmError(`IP pool ${flags.name} changed while it was being written; try again`);
    if (!flags.wait) {
      env.out(`written: IP pool ${flags.name}; see the master's verdict with: k8s-ovs-adm get ippools ${flags.name}\n`);
      return 0;
    }
    const verdict = await pollUntil(env, flags.timeout * 1000, async () => {
      const kv = await cluster.store.get(cluster.keys.ipPoolStatus(flags.name));
      const status = kv ? parseIpPoolStatus(kv.key, kv.value) : undefined;
      return status && status.revision >= written.revision ? status : undefined;
    });
    if (!verdict) {
      throw new AdmError(`the master did not judge IP pool ${flags.name} within ${flags.timeout} s; the pool stays in etcd `
        + '(pods cannot use it until the master accepts it): check that a master runs (k8s-ovs-adm status)');
    }
    env.out(renderPoolTable((await readPools(cluster)).items.filter((row) => row.name === flags.name)));
    if (verdict.state === 'Refused') throw new AdmError(`the master refused IP pool ${flags.name}: ${verdict.reason}`);
    return 0;
  });
}

export async function runDelete(env: AdmEnvironment, flags: DeleteFlags): Promise<number> {
  return withCluster(env, flags, async (cluster: Cluster) => {
    const key = cluster.keys.ipPool(flags.name);
    const kv = await cluster.store.get(key);
    if (kv === null) throw new AdmError(`no IP pool ${flags.name} (nothing at ${cluster.prefix}/${key}); see: k8s-ovs-adm get ippools`);
    const claimed = (await readClaims(cluster)).items.filter((claim) => claim.pool === flags.name);
    if (claimed.length && !flags.force) {
      throw new AdmError(`${claimed.length} address(es) of IP pool ${flags.name} are claimed (${claimed.slice(0, 5).map((c) => `${c.ip} ${c.namespace}/${c.pod}`)
        .join(', ')}): delete their pods first (see: k8s-ovs-adm get ips), or give --force (the pods keep them)`);
    }
    if (!(await cluster.store.txn().ifModRevision(key, kv.modRevision).delete(key).commit()).succeeded) {
      throw new AdmError(`IP pool ${flags.name} changed while it was being deleted; try again`);
    }
    env.out(`deleted IP pool ${flags.name}${claimed.length ? ` (${claimed.length} claimed address(es) stay with their pods)` : ''}\n`);
    return 0;
  });
}
